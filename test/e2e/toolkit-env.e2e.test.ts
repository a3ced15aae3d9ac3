/**
 * The Cognite Toolkit's `.env` as the Toolkit writes it (test/fixtures/toolkit-env/, one file per
 * PROVIDER × LOGIN_FLOW), and nothing else: each signs in through the CLI in its own process
 * (`login --env-file`), then `status`, `token` and `api` work on the login, and `defaultCredential()`
 * gets a session from the same variables. Each runs against the emulator profile as strict as its IdP.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TOOLKIT_ENTRA_CLIENT_ID } from '../../src/config/settings.js';
import { defaultCredential } from '../../src/drivers/node/default-credential.js';
import { loginWithClientCredentials } from '../../src/drivers/node/oidc.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { createFileTokenStore } from '../../src/stores/file-token-store.js';
import { spawnCli } from '../helpers/cli.js';
import { fixedPortFree } from '../helpers/http-server.js';
import { eachFreshHome } from '../helpers/lifecycle.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/toolkit-env');

const [entraIdp, auth0Idp, cogIdp, otherIdp] = await Promise.all([
  startEmulator({ profile: 'entra', seed: 'toolkit-env' }),
  startEmulator({ profile: 'auth0', seed: 'toolkit-env' }),
  startEmulator({ profile: 'cogidp', seed: 'toolkit-env' }),
  startEmulator({ profile: 'generic', seed: 'toolkit-env' }),
]);
afterAll(() => Promise.all([entraIdp, auth0Idp, cogIdp, otherIdp].map((e) => e.close())));

/** A new empty folder for each test (the `.env` it writes, and the CLI's token cache below it); removed after it. */
let dir = '';
eachFreshHome('cdf-auth-toolkit-', (fresh) => {
  dir = fresh;
});

const EMULATOR_OF: Readonly<Record<string, Emulator>> = {
  entra_id: entraIdp,
  auth0: auth0Idp,
  cdf: cogIdp,
  other: otherIdp,
};

/** A fixture with the emulator's URLs, ids and secrets in place of its `{{...}}`. */
async function envFile(name: string, emulator: Emulator, dir: string, extra: Record<string, string> = {}) {
  const values: Record<string, string> = {
    CDF_URL: emulator.baseUrl,
    IDP_ORIGIN: emulator.idpOrigin,
    ISSUER: emulator.issuer.replace(/\/$/, ''),
    TENANT: emulator.tenantId ?? '',
    ORG: emulator.organization ?? '',
    CLI_ID: emulator.clients.cli,
    SERVICE_ID: emulator.clients.service.id,
    SERVICE_SECRET: emulator.clients.service.secret,
    // Lines marked {{EMULATOR}} are not the Toolkit's: they point at the emulator where it has a fixed URL.
    EMULATOR: '',
    ...extra,
  };
  const text = (await readFile(path.join(FIXTURES, `${name}.env`), 'utf8')).replace(
    /\{\{(\w+)\}\}/g,
    (_, key: string) => values[key] ?? `{{${key}}}`,
  );
  expect(text).not.toContain('{{');
  const file = path.join(dir, '.env');
  await writeFile(file, text, { mode: 0o600 });
  return { file, text };
}

/** `cdf-auth` in its own process with `--env-file`; a device code it prints is approved at the emulator. */
async function cdfAuth(args: string[], home: string, emulator: Emulator) {
  const run = spawnCli(args, { CDF_AUTHFLOW_HOME: home });
  let answered = false;
  let stderr = '';
  run.child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    const printed = /open (\S+) and enter the code (\S+)\n/.exec(stderr);
    if (printed && !answered) {
      answered = true;
      void emulator.answerDeviceCode(printed[1] ?? '', true, printed[2]);
    }
  });
  return run.exit;
}

const combinations = [
  { name: 'entra_id-client_credentials' },
  { name: 'entra_id-device_code' },
  { name: 'entra_id-interactive' },
  { name: 'auth0-client_credentials' },
  { name: 'auth0-device_code' },
  { name: 'auth0-interactive' },
  { name: 'other-client_credentials' },
  { name: 'other-device_code' },
  { name: 'other-interactive' },
  { name: 'cdf-client_credentials' },
  { name: 'cdf-interactive' },
  { name: 'cdf-session' },
] as const;

describe("the Cognite Toolkit's .env, one per PROVIDER × LOGIN_FLOW, against the matching strict emulator", () => {
  it.each(combinations)('$name: login, status, token, api through the CLI; defaultCredential()', async ({ name }) => {
    const emulator = EMULATOR_OF[name.split('-')[0] ?? ''] as Emulator;
    const home = path.join(dir, 'home');
    const { file, text } = await envFile(name, emulator, dir);
    const withFile = (...args: string[]) => [...args, '--env-file', file];
    // Auth0's person signs in through the one registered redirect, http://localhost:53000.
    if (name === 'auth0-interactive') await fixedPortFree(53_000);
    const login = await cdfAuth(withFile('login', '--json', '--headless', '--verbose'), home, emulator);
    expect(login.err).not.toContain(emulator.clients.service.secret);
    // With --json a failure is on stdout: both, so that a failed run says why.
    expect({ code: login.code, err: login.code === 0 ? '' : login.err + login.out }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(login.out)).toMatchObject({ loggedIn: true, project: 'demo' });
    const status = await cdfAuth(withFile('status', '--json'), home, emulator);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({ loggedIn: true, baseUrl: emulator.baseUrl });
    const token = await cdfAuth(withFile('token'), home, emulator);
    expect(token.code).toBe(0);
    expect(token.out.trim().split('.')).toHaveLength(3);
    const api = await cdfAuth(withFile('api', '/api/v1/projects/{project}/assets'), home, emulator);
    expect({ code: api.code, err: api.err }).toEqual({ code: 0, err: '' });
    // The library from the same variables: a service signs in itself; a person's login is the cached one.
    const session = await defaultCredential({
      env: parseEnv(text),
      store: createFileTokenStore(home),
      interactive: false,
    });
    const answer = await session.request('GET', 'api/v1/projects/demo/assets');
    expect(answer.status).toBe(200);
    expect(session.kind).toBe('oidc');
  });

  it('token: CDF_TOKEN, a bearer from elsewhere, through the CLI and defaultCredential(); never written to the cache', async () => {
    const { tokens } = await loginWithClientCredentials({
      issuer: otherIdp.issuer,
      baseUrl: otherIdp.baseUrl,
      clientId: otherIdp.clients.service.id,
      clientSecret: otherIdp.clients.service.secret,
    });
    const home = path.join(dir, 'home');
    const { file, text } = await envFile('token', otherIdp, dir, { CDF_TOKEN: tokens.accessToken });
    const withFile = (...args: string[]) => [...args, '--env-file', file];
    const login = await cdfAuth(withFile('login', '--json'), home, otherIdp);
    expect({ code: login.code, err: login.err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(login.out)).toMatchObject({ loggedIn: true, user: 'service', project: 'demo' });
    const status = await cdfAuth(withFile('status', '--json'), home, otherIdp);
    expect(JSON.parse(status.out)).toMatchObject({ flow: 'token', tokenEnv: 'CDF_TOKEN' });
    expect((await cdfAuth(withFile('token'), home, otherIdp)).out.trim()).toBe(tokens.accessToken);
    expect((await cdfAuth(withFile('api', '/api/v1/projects/{project}/assets'), home, otherIdp)).code).toBe(0);
    const cache = await createFileTokenStore(home).list();
    expect(JSON.stringify(cache)).not.toContain(tokens.accessToken);
    const session = await defaultCredential({ env: parseEnv(text), store: createFileTokenStore(home) });
    expect(session.kind).toBe('token');
    expect((await session.request('GET', 'api/v1/projects/demo/assets')).status).toBe(200);
  });

  it('cdf + device_code: Cognite IdP has no device flow, said before any request, exit 2', async () => {
    const { file } = await envFile('cdf-device_code', cogIdp, dir);
    const before = cogIdp.idpRequests.length;
    const login = await cdfAuth(['login', '--env-file', file], path.join(dir, 'home'), cogIdp);
    expect(login.code).toBe(2);
    expect(login.err).toContain('Cognite IdP has no device flow');
    expect(cogIdp.idpRequests.length).toBe(before);
  });

  it("--verbose names the Toolkit's own public client and scopes as the Cognite Toolkit's default", async () => {
    const { file } = await envFile('entra_id-device_code', entraIdp, dir);
    const login = await cdfAuth(['login', '--env-file', file, '--verbose'], path.join(dir, 'home'), entraIdp);
    expect(login.code).toBe(0);
    expect(login.err).toContain(`clientId: ${TOOLKIT_ENTRA_CLIENT_ID} (from the Cognite Toolkit's default)`);
    expect(login.err).toContain(
      `scope: ${entraIdp.baseUrl}/IDENTITY ${entraIdp.baseUrl}/user_impersonation profile openid offline_access (from the Cognite Toolkit's default)`,
    );
    expect(login.err).toContain('tenant: ');
  });

  it('a fixed --redirect-uri http://localhost:53000 signs in at an IdP that accepts only that URI; any other is refused', async () => {
    expect(auth0Idp.cliRedirect).toEqual({ exact: true, uris: ['http://localhost:53000'] });
    const home = path.join(dir, 'home');
    const args = (...extra: string[]) => [
      'login',
      '--base-url',
      auth0Idp.baseUrl,
      '--project',
      'demo',
      '--issuer',
      auth0Idp.issuer,
      '--audience',
      auth0Idp.baseUrl,
      '--client-id',
      auth0Idp.clients.cli,
      '--flow',
      'authorization-code',
      '--headless',
      ...extra,
    ];
    await fixedPortFree(53_000);
    const fixed = await cdfAuth(args('--provider', 'oidc', '--redirect-uri', 'http://localhost:53000'), home, auth0Idp);
    expect({ code: fixed.code, err: fixed.err }).toEqual({ code: 0, err: '' });
    // The generic default (127.0.0.1, any port) and another port are not the registered URI.
    for (const extra of [
      ['--provider', 'oidc'],
      ['--provider', 'oidc', '--redirect-uri', 'http://localhost:53001'],
    ]) {
      if (extra.includes('http://localhost:53001')) await fixedPortFree(53_001);
      const refused = await cdfAuth(args(...extra), home, auth0Idp);
      expect(refused.code).not.toBe(0);
      expect(refused.err).toMatch(/navigationFailed|HTTP 400/);
    }
    // The auth0 preset registers the CDF ecosystem's http://localhost:53000 by default.
    await fixedPortFree(53_000);
    const preset = await cdfAuth(args('--provider', 'auth0'), home, auth0Idp);
    expect({ code: preset.code, err: preset.err }).toEqual({ code: 0, err: '' });
  });
});
