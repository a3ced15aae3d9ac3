/**
 * One flag table for every command used to let `login --port N` pass unnoticed: a flag the command does
 * not take is a usage error that names the command's own. `--save-env` merges into the .env it names.
 */
import { describe, expect, it } from 'vitest';
import { envOf, mergeEnv } from '../../src/cli/save-env.js';
import { freshHomeCli } from '../helpers/cli-suite.js';

const { cli } = freshHomeCli({ prefix: 'cdf-auth-flags-', homeInEnv: true });

describe('a flag the command does not take', () => {
  it.each([
    [['login', '--port', '3'], '--port'],
    [['token', '-X', 'POST'], '-X/--method'],
    [['status', '--header'], '--header'],
    [['logout', '--flow', 'code'], '--flow'],
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
    const codeFlow = ['login', '--flow', 'code', '--issuer', 'https://idp.example', '--client-id', 'c'];
    const redirectUris = 'http://localhost:53000,https://app.example/cb';
    const run = await cli([...codeFlow, '--base-url', 'https://x.cognitedata.com', '--redirect-uri', redirectUris]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('--redirect-uri: The redirect URI https://app.example is not a loopback one');
  });
});

describe('--save-env', () => {
  it("writes the Toolkit's names: a Cognite IdP person is LOGIN_FLOW=session; a cognitedata.com cluster is CDF_CLUSTER", () => {
    expect(
      envOf(
        {
          provider: { value: 'cogidp', from: '--provider' },
          flow: { value: 'code', from: '--flow' },
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
  });

  it('replaces the keys in place, appends the rest, keeps comments, secrets and `export` lines', () => {
    const before = '# mine\nexport CDF_PROJECT=old\nIDP_CLIENT_SECRET=s3cret\n';
    expect(mergeEnv(before, { CDF_PROJECT: 'new', PROVIDER: 'cdf' })).toBe(
      '# mine\nexport CDF_PROJECT=new\nIDP_CLIENT_SECRET=s3cret\nPROVIDER=cdf\n',
    );
    expect(mergeEnv('', { A: '1' })).toBe('A=1\n');
  });
});
