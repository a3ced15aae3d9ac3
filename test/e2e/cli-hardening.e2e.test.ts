import { chmod, lstat, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { createFileTokenStore } from '../../src/stores/file-token-store.js';
import { emulatorOidcArgs, loginUrlArgs, runBin, runCli, spawnCli } from '../helpers/cli.js';
import { startFakeIdp } from '../helpers/fake-idp.js';
import { startCdfWithoutIdp } from '../helpers/http-server.js';
import { eachFreshHome, resetEmulator } from '../helpers/lifecycle.js';

let home = '';
const emulator = await startEmulator();
afterAll(() => emulator.close());
beforeEach(() => resetEmulator(emulator));
eachFreshHome('cdf-auth-hard-', (dir) => {
  home = dir;
});

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(home, args, env);

const loginUrl = (extra: string[] = []) => cli(loginUrlArgs(emulator.baseUrl, 'demo', ...extra));
/** `cdf-auth login` against the emulator's IdP with its public CLI client; `flow` null leaves --flow out. */
const oidcLogin = (flow: string | null, extra: string[]) =>
  cli(['login', ...(flow ? ['--flow', flow] : []), ...emulatorOidcArgs(emulator), ...extra]);
const codeLogin = (extra: string[] = []) => oidcLogin('code', ['--headless', ...extra]);
const tokenFile = async () => path.join(home, (await readdir(home)).find((f) => f.startsWith('tokens-')) ?? 'none');
const expireCache = async () => {
  const file = await tokenFile();
  const entry = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify({ ...entry, tokens: { ...entry.tokens, expiresAt: Date.now() - 1 } }), {
    mode: 0o600,
  });
  return entry;
};

describe('a value given where a variable name is expected is never echoed', () => {
  it.each(['client-secret-env', 'api-key-env'])('--%s s3cr3t… is refused without repeating it', async (flag) => {
    const secret = 's3cr3t-Value/with+chars=';
    const flow = flag === 'api-key-env' ? 'api-key' : 'client-credentials';
    const result = await cli(['login', '--flow', flow, ...emulatorOidcArgs(emulator, 'service'), `--${flag}`, secret]);
    expect(result.code).toBe(2);
    expect(result.out + result.err).not.toContain(secret);
    expect(result.err).toContain(`--${flag}`);
    const json = await cli(['login', '--flow', flow, '--base-url', emulator.baseUrl, `--${flag}`, secret, '--json']);
    expect(json.out + json.err).not.toContain(secret);
  });

  it('an unset variable is named, and said to be unset', async () => {
    const result = await cli([
      'login',
      '--flow',
      'api-key',
      '--base-url',
      emulator.baseUrl,
      '--api-key-env',
      'NOT_SET_HERE',
    ]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/variable named by --api-key-env \(NOT_SET_HERE\) is not set/);
  });
});

describe('cdf-auth login --flow login-url with the app’s query and fragment', () => {
  it('--redirect-param and --redirect-fragment reach /login/url on both redirect URLs, beside the flow id', async () => {
    const cdf = await startCdfWithoutIdp();

    try {
      const result = await cli([
        'login',
        '--flow',
        'login-url',
        '--base-url',
        cdf.url,
        '--project',
        'demo',
        '--no-browser',
        '--redirect-param',
        'tenant=acme',
        '--redirect-param',
        'x=1=2',
        '--redirect-fragment',
        '#top',
      ]);
      expect(result.err).toContain('noIdpConfigured');
      const query = cdf.loginUrlQuery();
      for (const name of ['redirectUrl', 'errorRedirectUrl']) {
        const url = new URL(query.get(name) ?? '');
        expect([url.searchParams.get('tenant'), url.searchParams.get('x'), url.hash]).toEqual(['acme', '1=2', '#top']);
        expect(url.searchParams.get('cdf_flow')).toBeTruthy();
      }
    } finally {
      await cdf.close();
    }
  });
});

describe('--base-url always selects', () => {
  it('token --base-url X without --project uses the login for X, never the current login of another cluster', async () => {
    expect((await loginUrl()).code).toBe(0);
    const mine = JSON.parse(await readFile(await tokenFile(), 'utf8'));
    // Another cluster's login becomes the current one.
    const store = createFileTokenStore(home);
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
    expect(rows.map((r) => `${r.kind}:${r.project}`).sort()).toEqual(['code:', 'login-url:demo']);
    expect((await cli(['logout', '--base-url', emulator.baseUrl, '--project='])).code).toBe(0);
    expect(JSON.parse((await cli(['logins', '--json'])).out)).toHaveLength(1);
    expect((await cli(['token', '--base-url', emulator.baseUrl])).code).toBe(0);
  });
});

describe('the token cache on disk', () => {
  it('never writes through a symlink: the target is untouched and the failure is cacheUnsafe', async () => {
    expect((await loginUrl()).code).toBe(0);
    const file = await tokenFile();
    const target = path.join(home, 'elsewhere.txt');
    await writeFile(target, 'do not touch');
    await rm(file);
    await symlink(target, file);
    const again = await loginUrl();
    expect(again.code).toBe(3);
    expect(again.err).toContain('cacheUnsafe');
    expect(again.err).toContain(file);
    expect(await readFile(target, 'utf8')).toBe('do not touch');
    // current.json as a link is refused as well.
    await rm(file);
    await rm(path.join(home, 'current.json'), { force: true });
    await symlink(target, path.join(home, 'current.json'));
    expect((await loginUrl()).err).toContain('cacheUnsafe');
    expect(await readFile(target, 'utf8')).toBe('do not touch');
  });

  it('fixes a folder wider than 0700 and a file wider than 0600', async () => {
    expect((await loginUrl()).code).toBe(0);
    const file = await tokenFile();
    await chmod(home, 0o755);
    await chmod(file, 0o644);
    expect((await cli(['token'])).code).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await loginUrl()).code).toBe(0);
    expect((await stat(home)).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('a corrupt entry: its message says to run logout, and logout removes it', async () => {
    expect((await loginUrl()).code).toBe(0);
    const file = await tokenFile();
    await writeFile(file, '{"v":1, truncated');
    const token = await cli(['token']);
    expect(token.err).toContain('cacheCorrupt');
    expect(token.err).toContain('cdf-auth logout');
    const logout = await cli(['logout']);
    expect(logout.code).toBe(0);
    expect((await readdir(home)).some((f) => f.startsWith('tokens-'))).toBe(false);
  });

  it('a folder where the token file should be is a clear error before signing in', async () => {
    expect((await loginUrl()).code).toBe(0);
    const file = await tokenFile();
    await rm(file);
    await mkdir(file);
    const before = emulator.requests.length;
    const again = await loginUrl();
    expect(again.code).toBe(3);
    expect(again.err).toContain('cacheUnsafe');
    expect(emulator.requests.slice(before).map((r) => r.path)).not.toContain('/login/url');
    expect((await lstat(file)).isDirectory()).toBe(true);
  });
});

describe('--timeout, --json and exit codes', () => {
  it('--timeout is honoured by the code flow (nobody comes back) and the device flow (nobody approves)', async () => {
    const code = await oidcLogin('code', ['--no-browser', '--timeout', '1']);
    expect(code.code).toBe(4);
    expect(code.err).toContain('timeout');
    const device = await oidcLogin('device', ['--timeout', '1']);
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

  it('the help lists every flow; login without --flow picks code with --issuer, else says what to pass', async () => {
    const help = await cli(['--help']);
    for (const flow of ['code', 'device', 'client-credentials', 'login-url', 'api-key'])
      expect(help.out).toContain(flow);
    const bare = await cli(['login', '--base-url', emulator.baseUrl]);
    expect(bare.code).toBe(2);
    expect(bare.err).toMatch(/--flow code/);
    const withIssuer = await oidcLogin(null, ['--headless', '--json']);
    expect(withIssuer.code).toBe(0);
    expect(JSON.parse((await cli(['logins', '--json'])).out)[0].kind).toBe('code');
  });
});

describe('processes sharing the token cache', () => {
  it('4 real `cdf-auth token` at once on a token that needs refresh: 1 refresh, 4 equal tokens, the family alive afterwards', async () => {
    expect((await codeLogin()).code).toBe(0);
    const before = await expireCache();
    expect(before.tokens.refreshToken).toBeTruthy();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => spawnCli(['token'], { CDF_AUTHFLOW_HOME: home }).exit),
    );
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const tokens = new Set(results.map((r) => r.out.trim()));
    // Every refresh issues a new access token: one token for all four means one refresh.
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).not.toBe(before.tokens.accessToken);
    // The family is alive: the cached (rotated) refresh token still refreshes.
    await expireCache();
    const again = await runBin(home, ['token']);
    expect(again.stdout.trim()).not.toBe([...tokens][0]);
    expect((await readdir(home)).some((f) => f.startsWith('tokens-'))).toBe(true);
  });
});

describe('Ctrl-C and SIGTERM reach every wait', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s during `cdf-auth token`’s refresh: exit 130, long before the refresh deadline',
    async (signal) => {
      const idp = await startFakeIdp();
      idp.on('/token', () => {}); // never answers
      try {
        const store = createFileTokenStore(home);
        await store.write({
          v: 1,
          kind: 'oidc',
          flow: 'code',
          baseUrl: emulator.baseUrl,
          project: '',
          user: 'alice',
          issuer: idp.issuer,
          clientId: 'cli',
          scope: 'openid',
          tokens: { accessToken: 'old', tokenType: 'Bearer', expiresAt: Date.now() - 1, refreshToken: 'rt' },
          claims: null,
        });
        const { child, exit } = spawnCli(['token'], { CDF_AUTHFLOW_HOME: home });
        for (let i = 0; i < 400 && !idp.hits.get('/token'); i += 1) await new Promise((r) => setTimeout(r, 25));
        expect(idp.hits.get('/token')).toBe(1);
        child.kill(signal);
        const result = await exit;
        expect(result.code).toBe(130);
      } finally {
        await idp.close();
      }
    },
  );
});
