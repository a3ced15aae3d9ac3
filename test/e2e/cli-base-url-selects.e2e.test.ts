/** `--base-url` always selects the login of that cluster, never the current login of another. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createFileTokenStore } from '../../src/stores/file-token-store.js';
import { emulatorCli } from '../helpers/cli-suite.js';

const { emulator, home, cli, loginUrl, codeLogin, tokenFile } = await emulatorCli({
  prefix: 'cdf-auth-hard-',
  reset: true,
});

describe('--base-url always selects', () => {
  it('token --base-url X without --project uses the login for X, never the current login of another cluster', async () => {
    expect((await loginUrl()).code).toBe(0);
    const mine = JSON.parse(await readFile(await tokenFile(), 'utf8'));
    // Another cluster's login becomes the current one.
    const store = createFileTokenStore(home());
    await store.write({ ...mine, baseUrl: 'http://127.0.0.1:9', accessToken: 'other-cluster-token' });
    const token = await cli(['token', '--base-url', emulator.baseUrl]);
    expect(token).toMatchObject({ code: 0, out: `${mine.accessToken}\n` });
    const none = await cli(['token', '--base-url', 'http://127.0.0.1:7']);
    expect(none.code).toBe(2);
    expect(none.out).not.toContain('other-cluster-token');
  });

  it('several logins for one cluster need --project; a login without a project is listed and removable', async () => {
    expect((await loginUrl()).code).toBe(0);
    expect((await codeLogin()).code).toBe(0);
    const ambiguous = await cli(['token', '--base-url', emulator.baseUrl]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.err).toMatch(/--project/);
    const list = await cli(['logins', '--json']);
    const rows = JSON.parse(list.out) as Array<{ project: string; kind: string }>;
    expect(rows.map((r) => `${r.kind}:${r.project}`).sort()).toEqual(['authorization-code:', 'login-url:demo']);
    expect((await cli(['logout', '--base-url', emulator.baseUrl, '--project='])).code).toBe(0);
    expect(JSON.parse((await cli(['logins', '--json'])).out)).toHaveLength(1);
    expect((await cli(['token', '--base-url', emulator.baseUrl])).code).toBe(0);
  });
});
