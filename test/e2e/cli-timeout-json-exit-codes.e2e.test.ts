/** `--timeout` ends every wait, `--json` carries failures, and the exit code says whose the failure was. */
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FLOW_NAMES } from '../../src/config/settings.js';
import { loginUrlArgs } from '../helpers/cli.js';
import { emulatorCli } from '../helpers/cli-suite.js';
import { startFakeIdp } from '../helpers/fake-idp.js';

const { emulator, cli, oidcLogin, codeLogin, tokenFile, service } = await emulatorCli({
  prefix: 'cdf-auth-hard-',
  reset: true,
});

describe('--timeout, --json and exit codes', () => {
  it('--timeout is honoured by the code flow (nobody comes back) and the device flow (nobody approves)', async () => {
    const code = await oidcLogin('authorization-code', ['--no-browser', '--timeout', '1']);
    expect(code.code).toBe(4);
    expect(code.err).toContain('timeout');
    const device = await oidcLogin('device-code', ['--timeout', '1']);
    expect(device.code).toBe(4);
    expect(device.err).toContain('timeout');
  });

  it('--timeout is honoured by client credentials against a stalled IdP', async () => {
    const idp = await startFakeIdp();
    idp.on('/token', () => {});
    try {
      const result = await cli(
        [
          'login',
          '--flow',
          'client-credentials',
          '--base-url',
          emulator.baseUrl,
          '--issuer',
          idp.issuer,
          '--client-id',
          'svc',
          '--client-secret-env',
          'SECRET',
          '--timeout',
          '1',
        ],
        { SECRET: 'abcdefgh' },
      );
      expect(result.code).toBe(4);
      // The IdP request's own 15 s deadline would say timeout too, later: this is --timeout's.
      expect(result.err).toContain('--timeout 1 s');
    } finally {
      await idp.close();
    }
  });

  it('with --json a failure is {"error":{"code","message"}} on stdout, with the same exit code', async () => {
    const result = await cli(['token', '--json']);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.out)).toEqual({ error: { code: 'notLoggedIn', message: expect.any(String) } });
    const usage = await cli(['login', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.out).error.code).toBe('usage');
  });

  it('a failed flow says where, by name: --json has `where`, --verbose a where line (state, event, actor)', async () => {
    const args = [...service(), '--flow', 'client-credentials', '--client-secret-env', 'SECRET'];
    const wrong = { SECRET: 'not-the-secret-of-this-client' };
    const json = await cli([...args, '--json'], wrong);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.out).error.where).toEqual({
      state: 'requesting',
      event: 'xstate.error.actor.requestToken',
      actor: 'requestToken',
    });
    const verbose = await cli([...args, '--verbose'], wrong);
    expect(verbose.err).toContain(
      'cdf-auth: where: in state requesting, on event xstate.error.actor.requestToken, actor requestToken',
    );
    expect(`${json.out}${verbose.err}`).not.toContain(wrong.SECRET);
  });

  it('CDF refusing a token (401) is an authentication failure (3), an unknown project a usage failure, never 4', async () => {
    expect((await codeLogin()).code).toBe(0);
    const file = await tokenFile();
    const entry = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(
      file,
      JSON.stringify({ ...entry, tokens: { ...entry.tokens, accessToken: 'not-a-token-cdf-knows' } }),
    );
    const status = await cli(['status']);
    expect(status.code).toBe(3);
    expect(status.err).toContain('tokenRejected');
    const unknown = await cli(loginUrlArgs(emulator.baseUrl, 'no-such-project'));
    expect([2, 3]).toContain(unknown.code);
  });

  it('the help lists every flow; login without --flow picks authorization-code with --issuer, else says what to pass', async () => {
    const help = await cli(['--help']);
    for (const flow of FLOW_NAMES) expect(help.out).toContain(flow);
    const loginHelp = await cli(['login', '--help']);
    for (const flow of FLOW_NAMES) expect(loginHelp.out).toContain(`--flow ${flow} `);
    // Each flow by its one name: the former `code` and `device` are read, never shown.
    for (const shown of [help.out, loginHelp.out]) expect(shown).not.toMatch(/--flow (code|device)\b(?!-)/);
    const bare = await cli(['login', '--base-url', emulator.baseUrl]);
    expect(bare.code).toBe(2);
    expect(bare.err).toMatch(/--flow authorization-code/);
    expect(bare.err).toContain(`Flows: ${FLOW_NAMES.join(', ')}.`);
    const withIssuer = await oidcLogin(null, ['--headless', '--json']);
    expect(withIssuer.code).toBe(0);
    expect(JSON.parse((await cli(['logins', '--json'])).out)[0].kind).toBe('authorization-code');
  });
});
