import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startEmulator } from '../../src/emulator/index.js';
import { createFileTokenStore } from '../../src/stores/file-token-store.js';
import { emulatorOidcArgs, loginUrlArgs, runBin, runCli } from '../helpers/cli.js';
import { eachFreshHome } from '../helpers/lifecycle.js';

let home = '';
const emulator = await startEmulator();
afterAll(() => emulator.close());
eachFreshHome('cdf-auth-test-', (dir) => {
  home = dir;
});

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(home, args, env);

describe('cdf-auth CLI', () => {
  it('logs in through the login URL, caches with mode 0600, and token/status/logout work from the cache', async () => {
    const login = await cli(loginUrlArgs(emulator.baseUrl));
    expect(login).toMatchObject({ code: 0 });
    expect(login.out).toMatch(/^Signed in as alice to project demo until \d{4}-/);
    const files = await readdir(home);
    expect(files.sort()).toEqual(expect.arrayContaining(['current.json']));
    const tokenFile = files.find((f) => f.startsWith('tokens-')) ?? '';
    expect((await stat(path.join(home, tokenFile))).mode & 0o777).toBe(0o600);
    const cached = JSON.parse(await readFile(path.join(home, tokenFile), 'utf8'));
    expect(login.out + login.err).not.toContain(cached.accessToken);

    const token = await cli(['token']);
    expect(token).toEqual({ code: 0, out: `${cached.accessToken}\n`, err: '' });

    const status = await cli(['status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({ loggedIn: true, user: 'alice', project: 'demo', flow: 'login-url' });
    expect(status.out).not.toContain(cached.accessToken);

    const logout = await cli(['logout']);
    expect(logout.code).toBe(0);
    expect((await readdir(home)).some((f) => f.startsWith('tokens-'))).toBe(false);
    // The session was ended at CDF too: the token no longer works.
    const check = await fetch(`${emulator.baseUrl}/login/status`, {
      headers: { authorization: `Bearer ${cached.accessToken}` },
    });
    expect(((await check.json()) as { data: { loggedIn: boolean } }).data.loggedIn).toBe(false);
    expect((await cli(['token'])).code).toBe(3);
  });

  it('logs in with an API key read from the variable named by --api-key-env, and never stores the key', async () => {
    const key = emulator.apiKeys[0]?.key ?? '';
    const login = await cli(['login', '--flow', 'api-key', '--base-url', emulator.baseUrl, '--api-key-env', 'MY_KEY'], {
      MY_KEY: key,
    });
    expect(login.code).toBe(0);
    for (const file of await readdir(home)) expect(await readFile(path.join(home, file), 'utf8')).not.toContain(key);
    expect((await cli(['status'], { MY_KEY: key })).out).toMatch(/Signed in as demo-service@demo/);
    expect((await cli(['token'], { MY_KEY: key })).code).toBe(3);
    // --header works for every kind of login: the api-key header, for curl -H "$(cdf-auth token --header)".
    const header = await cli(['token', '--header'], { MY_KEY: key });
    expect(header.code).toBe(0);
    expect(header.out).toBe(`api-key: ${key}\n`);
    const sent = await fetch(`${emulator.baseUrl}/api/v1/projects/demo/assets`, {
      headers: { [header.out.split(': ')[0] ?? '']: header.out.trim().split(': ')[1] ?? '' },
    });
    expect(sent.status).toBe(200);
  });

  it('distinguishes usage errors (2), auth failures (3) and network failures (4)', async () => {
    expect(
      (await cli(['login', '--flow', 'api-key', '--base-url', emulator.baseUrl, '--api-key-env', 'NOPE'])).code,
    ).toBe(2);
    expect((await cli(['login', '--bogus'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    const denied = await cli(['login', '--flow', 'api-key', '--base-url', emulator.baseUrl, '--api-key-env', 'K'], {
      K: 'ak-wrong-key-000000',
    });
    expect(denied.code).toBe(3);
    expect(denied.err).toContain('apiKeyRejected');
    expect(denied.err).not.toContain('ak-wrong-key');
    const noIdp = await cli(loginUrlArgs(emulator.baseUrl, 'no-idp'));
    expect(noIdp).toMatchObject({ code: 3, err: expect.stringContaining('noIdpConfigured') });
    const down = await cli(loginUrlArgs('http://127.0.0.1:9'));
    expect(down.code).toBe(4);
    expect((await cli(['token'])).code).toBe(3);
  });

  it('reports a corrupt token cache as a typed error and leaves the file alone', async () => {
    await cli(loginUrlArgs(emulator.baseUrl));
    const tokenFile = (await readdir(home)).find((f) => f.startsWith('tokens-')) ?? '';
    await writeFile(path.join(home, tokenFile), '{"v":1,"kind":"login-url", truncated');
    const token = await cli(['token']);
    expect(token.code).toBe(3);
    expect(token.err).toContain('cacheCorrupt');
    expect(await readFile(path.join(home, tokenFile), 'utf8')).toContain('truncated');
  });

  it('logs in with code + PKCE, and token/status work from the cache', async () => {
    const login = await cli([
      'login',
      '--flow',
      'authorization-code',
      ...emulatorOidcArgs(emulator),
      '--project',
      'demo',
      '--headless',
      '--json',
    ]);
    expect(login.code).toBe(0);
    expect(JSON.parse(login.out)).toMatchObject({ loggedIn: true, user: 'alice', project: 'demo' });
    const token = await cli(['token']);
    expect(token.code).toBe(0);
    const inspect = await fetch(`${emulator.baseUrl}/api/v1/token/inspect`, {
      headers: { authorization: `Bearer ${token.out.trim()}` },
    });
    expect(inspect.status).toBe(200);
    expect(login.out + login.err).not.toContain(token.out.trim());
    expect((await cli(['status'])).out).toMatch(/Signed in as alice .*code/);
  });

  it('logs in with client credentials and refreshes an expired token on "token", with the secret from the environment', async () => {
    const env = { SVC_SECRET: emulator.clients.service.secret };
    const login = await cli(
      [
        'login',
        '--flow',
        'client-credentials',
        ...emulatorOidcArgs(emulator, 'service'),
        '--client-secret-env',
        'SVC_SECRET',
        '--scope',
        'api:read',
        '--resource',
        emulator.baseUrl,
      ],
      env,
    );
    expect(login.code).toBe(0);
    const file = (await readdir(home)).find((f) => f.startsWith('tokens-')) ?? '';
    const cachedText = await readFile(path.join(home, file), 'utf8');
    expect(cachedText).not.toContain(emulator.clients.service.secret);
    const cached = JSON.parse(cachedText);
    await writeFile(
      path.join(home, file),
      JSON.stringify({ ...cached, tokens: { ...cached.tokens, expiresAt: Date.now() - 1 } }),
    );
    const token = await cli(['token'], env);
    expect(token.code).toBe(0);
    expect(token.out.trim()).not.toBe(cached.tokens.accessToken);
    const after = JSON.parse(await readFile(path.join(home, file), 'utf8'));
    expect(after.tokens.accessToken).toBe(token.out.trim());
    expect((await stat(path.join(home, file))).mode & 0o777).toBe(0o600);
  });

  it('logs in with the device code, showing the code on stderr', async () => {
    let err = '';
    const pending = main(['login', '--flow', 'device-code', ...emulatorOidcArgs(emulator)], {
      out: () => {},
      err: (text) => {
        err += text;
        const complete = /\(or open (\S+)\)/.exec(err)?.[1];
        if (complete) void emulator.answerDeviceCode(complete, true);
      },
      env: {},
      store: createFileTokenStore(home),
    });
    expect(await pending).toBe(0);
    expect(err).toMatch(/enter the code [A-Z]{4}-[A-Z]{4}/);
  });

  it('runs the demo (npm start) to exit 0 without printing any token', async () => {
    const demo = await cli(['demo']);
    expect(demo.code).toBe(0);
    expect(demo.out).toMatch(/loginUrl +validatingToken +-> authenticated/);
    // The callback is delivered once the flow waits for it: the demo shows every state of the flow.
    expect(demo.out).toMatch(/loginUrl +redirectingToIdp +-> awaitingCallback +\(done navigateToIdp\)/);
    expect(demo.out).toMatch(/loginUrl +awaitingCallback +-> validatingToken +\(CALLBACK\)/);
    expect(demo.out).toMatch(/authorizationCode +redirectingToIdp +-> awaitingCallback +\(done navigateToIdp\)/);
    expect(demo.out).toMatch(/authorizationCode +awaitingCallback +-> exchangingCode +\(CALLBACK\)/);
    expect(demo.out).not.toMatch(/redirectingToIdp +-> (validatingToken|exchangingCode)/);
    expect(demo.out).toMatch(/apiKey +verifying +-> authenticated/);
    expect(demo.out).toMatch(/authorizationCode +inspectingToken +-> authenticated/);
    expect(demo.out).toMatch(/deviceCode +inspectingToken +-> authenticated/);
    expect(demo.out).toMatch(/clientCredentials +inspectingToken +-> authenticated/);
    expect(demo.out).not.toContain('FAIL');
    expect(demo.out + demo.err).not.toMatch(/eyJ[A-Za-z0-9_-]+\.|ak-[A-Za-z0-9_-]{10,}/);
  });

  it('prints diagrams of the machines', async () => {
    const mermaid = await cli(['diagram', 'login-url']);
    expect(mermaid.out).toContain('stateDiagram-v2');
    expect(mermaid.out).toContain('awaitingCallback --> validatingToken');
    expect(JSON.parse((await cli(['diagram', 'api-key', '--format', 'json'])).out).id).toBe('apiKey');
    expect((await cli(['diagram', 'api-key', '--format', 'dot'])).out).toMatch(/^digraph apiKey/);
    const svg = await cli(['diagram', 'session', '--format', 'svg']);
    expect(svg.code).toBe(0);
    expect(svg.out).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    expect(svg.out).toContain('renewing');
    expect((await cli(['diagram', 'nope'])).code).toBe(2);
    expect((await cli(['diagram', 'toString'])).code).toBe(2);
  });

  it('has --help for every command, and the built binary runs', async () => {
    for (const command of ['', 'demo', 'emulator', 'login', 'token', 'status', 'logout', 'logins', 'diagram']) {
      const help = await cli([...(command ? [command] : []), '--help']);
      expect(help.code).toBe(0);
      expect(help.out).toContain('Usage: cdf-auth');
    }
    const { stdout } = await runBin(home, ['--version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const { stdout: token } = await runBin(home, loginUrlArgs(emulator.baseUrl, 'demo', '--json'));
    expect(JSON.parse(token)).toMatchObject({ loggedIn: true, user: 'alice' });
  });
});
