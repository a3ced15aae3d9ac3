/**
 * One flag table for every command used to let `login --port N` pass unnoticed: a flag the command does
 * not take is a usage error that names the command's own. `--save-env` merges into the .env it names.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { envOf, mergeEnv } from '../../src/cli/save-env.js';
import type { FlowName } from '../../src/config/settings.js';
import { freshHomeCli } from '../helpers/cli-suite.js';

const { home, cli } = freshHomeCli({ prefix: 'cdf-auth-flags-', homeInEnv: true });

describe('a flag the command does not take', () => {
  it.each([
    [['login', '--port', '3'], '--port'],
    [['token', '-X', 'POST'], '-X/--method'],
    [['status', '--header'], '--header'],
    [['logout', '--flow', 'authorization-code'], '--flow'],
  ])('%j is a usage error naming it', async (args, named) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`does not take ${named}`);
  });

  it('with --json, the usage error is JSON on stdout', async () => {
    const run = await cli(['login', '--port', '3', '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.out)).toMatchObject({ error: { code: 'usage' } });
  });
});

describe('--redirect-uri', () => {
  it('a URI that is not a loopback one is a usage error naming the flag, before any request', async () => {
    const codeFlow = ['login', '--flow', 'authorization-code', '--issuer', 'https://idp.example', '--client-id', 'c'];
    const redirectUris = 'http://localhost:53000,https://app.example/cb';
    const run = await cli([...codeFlow, '--base-url', 'https://x.cognitedata.com', '--redirect-uri', redirectUris]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('--redirect-uri: The redirect URI https://app.example is not a loopback one');
  });
});

describe('--flow', () => {
  it('takes the former code and device, and the Toolkit names, but says only the one name', async () => {
    const person = ['login', '--issuer', 'https://idp.example', '--client-id', 'c', '--base-url', 'https://x.example'];
    // A redirect URI that is no loopback one stops the sign-in before any request, after --verbose has spoken.
    const stop = ['--redirect-uri', 'https://app.example/cb', '--verbose'];
    for (const [given, named] of [
      ['code', 'authorization-code'],
      ['interactive', 'authorization-code'],
      ['device', 'device-code'],
      ['device_code', 'device-code'],
    ] as const) {
      const run = await cli([...person, '--flow', given, ...stop]);
      expect(run.code).toBe(2);
      expect(run.err).toContain(`flow: ${named} (from --flow)`);
    }
    const unknown = await cli([...person, '--flow', 'magic']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('use authorization-code, device-code, client-credentials, token, login-url, api-key');
    expect(unknown.err).not.toMatch(/ (code|device)[,.]/);
  });

  it('a profile an earlier version saved with flow code is shown, used and saved again as authorization-code', async () => {
    const saved = { baseUrl: 'https://x.example', issuer: 'https://idp.example', clientId: 'c', flow: 'code' };
    await writeFile(path.join(home(), 'profiles.json'), JSON.stringify({ v: 1, profiles: { old: saved } }));
    expect(JSON.parse((await cli(['profiles', '--json'])).out)).toEqual({
      old: { ...saved, flow: 'authorization-code' },
    });
    expect((await cli(['profiles'])).out).toContain('  flow: authorization-code\n');
    const run = await cli(['login', '--profile', 'old', '--redirect-uri', 'https://app.example/cb', '--verbose']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('flow: authorization-code (from profile old)');
  });
});

describe('--save-env', () => {
  it("writes the Toolkit's names: a Cognite IdP person is LOGIN_FLOW=session; a cognitedata.com cluster is CDF_CLUSTER", () => {
    expect(
      envOf(
        {
          provider: { value: 'cogidp', from: '--provider' },
          flow: { value: 'authorization-code', from: '--flow' },
          org: { value: 'my-org', from: '--org' },
        },
        { baseUrl: 'https://westeurope-1.cognitedata.com', project: 'p' },
      ),
    ).toEqual({
      PROVIDER: 'cdf',
      LOGIN_FLOW: 'session',
      CDF_CLUSTER: 'westeurope-1',
      CDF_PROJECT: 'p',
      CDF_ORG: 'my-org',
    });
    const where = { baseUrl: 'https://x.example', project: '' };
    const written = (flow: FlowName) => envOf({ flow: { value: flow, from: '--flow' } }, where).LOGIN_FLOW;
    expect(written('authorization-code')).toBe('interactive');
    expect(written('device-code')).toBe('device_code');
    expect(written('client-credentials')).toBe('client_credentials');
    expect(written('token')).toBe('token');
  });

  it('replaces the keys in place, appends the rest, keeps comments, secrets and `export` lines', () => {
    const before = '# mine\nexport CDF_PROJECT=old\nIDP_CLIENT_SECRET=s3cret\n';
    expect(mergeEnv(before, { CDF_PROJECT: 'new', PROVIDER: 'cdf' })).toBe(
      '# mine\nexport CDF_PROJECT=new\nIDP_CLIENT_SECRET=s3cret\nPROVIDER=cdf\n',
    );
    expect(mergeEnv('', { A: '1' })).toBe('A=1\n');
  });
});
