/**
 * What a newcomer gets wrong at Entra ID (tenant, client id, scope, hosts): the answer names the code, option and URL.
 * Found in the first hour with the CLI, met the way a person meets it; seen failing before its fix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { entraLoginArgs } from '../helpers/cli.js';
import { freshHomeCli } from '../helpers/cli-suite.js';
import { freePort } from '../helpers/http-server.js';

const { cli } = freshHomeCli({ prefix: 'cdf-auth-first-hour-', homeInEnv: true });

describe('7 and 13. what a newcomer gets wrong at Entra ID: the answer names the code, the option and the URL', () => {
  let entraIdp: Emulator;
  beforeAll(async () => {
    entraIdp = await startEmulator({ profile: 'entra', seed: 'first-hour-newcomer' });
  });
  afterAll(() => entraIdp.close());
  const entraLogin = (...flags: string[]) => entraLoginArgs(entraIdp, ...flags);
  const serviceSecret = () => ({ IDP_CLIENT_SECRET: entraIdp.clients.service.secret });
  const typoClient = '11111111-2222-4333-8444-555555555555';

  it('a tenant typo: HTTP 400 with AADSTS90002, the URL asked and "check --tenant" (exit 2)', async () => {
    const run = await cli(
      entraLogin('--tenant', 'contoso-typo.onmicrosoft.com', '--client-id', entraIdp.clients.service.id),
      serviceSecret(),
    );
    expect(run.code).toBe(2);
    expect(run.err).toContain(
      `${entraIdp.idpOrigin}/contoso-typo.onmicrosoft.com/v2.0/.well-known/openid-configuration`,
    );
    expect(run.err).toContain('answered HTTP 400: check --tenant');
    expect(run.err).toContain("AADSTS90002: Tenant 'contoso-typo.onmicrosoft.com' not found");
  });

  it.each([
    ['client credentials', [], serviceSecret],
    ['the device flow', ['--flow', 'device-code', '--timeout', '20'], () => ({})],
  ])(
    'an unknown client id (%s): AADSTS700016, the IdP refused the client, check --client-id',
    async (_flow, flags, env) => {
      const run = await cli(
        [...entraLogin('--tenant', entraIdp.tenantId ?? '', '--client-id', typoClient, ...flags), '--json'],
        env(),
      );
      expect(run.code).toBe(3);
      const { error } = JSON.parse(run.out) as { error: { code: string; message: string; idpDiagnostics: object } };
      expect(error.code).toBe('clientRejected');
      expect(error.message).toContain(`AADSTS700016: Application with identifier '${typoClient}' was not found`);
      expect(error.message).toContain('--client-id');
      // Not a secret sent the wrong way: no advice about the client authentication method.
      expect(error.message).not.toContain('--client-auth');
      expect(error.idpDiagnostics).toMatchObject({ errorCodes: [700016] });
    },
  );

  it("an unknown client id in the person's browser: Entra's own page says AADSTS700016, no redirect", async () => {
    const url = new URL(`${entraIdp.idpOrigin}/${entraIdp.tenantId}/oauth2/v2.0/authorize`);
    url.search = new URLSearchParams({
      client_id: typoClient,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:5000/callback',
      scope: `${entraIdp.baseUrl}/.default openid`,
      state: 's',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain(`AADSTS700016: Application with identifier &#39;${typoClient}&#39;`);
  });

  it.each([
    ['a scope that does not exist', '/.defualt', [], 'AADSTS70011'],
    ['client credentials without /.default', '/user_impersonation', [], 'AADSTS1002012'],
    ['a person asking for a scope that does not exist', '/.defualt', ['--flow', 'device-code'], 'AADSTS70011'],
  ])('%s: invalid_scope with the AADSTS code and the scope', async (_what, suffix, flags, code) => {
    const scope = `${entraIdp.baseUrl}${suffix}`;
    const client = flags.length > 0 ? entraIdp.clients.cli : entraIdp.clients.service.id;
    const run = await cli(
      entraLogin('--tenant', entraIdp.tenantId ?? '', '--client-id', client, '--scope', scope, ...flags),
      flags.length > 0 ? {} : serviceSecret(),
    );
    expect(run.code).toBe(3);
    expect(run.err).toContain(`invalid_scope (${code}:`);
    expect(run.err).toContain(scope);
  });

  it('an IdP host that does not answer is named, with why', async () => {
    const closed = await freePort();
    const run = await cli(entraLogin('--tenant', 'x', '--authority', `http://127.0.0.1:${closed}`, '--client-id', 'y'));
    expect(run.code).toBe(4);
    expect(run.err).toContain(`http://127.0.0.1:${closed}/x/v2.0/.well-known/openid-configuration`);
    expect(run.err).toContain('nothing listens on that port');
  });

  it('a CDF host that does not answer is named, with why', async () => {
    const closed = await freePort();
    const run = await cli([
      'login',
      '--flow',
      'login-url',
      '--base-url',
      `http://127.0.0.1:${closed}`,
      '--project',
      'p',
    ]);
    expect(run.code).toBe(4);
    expect(run.err).toContain(`could not reach http://127.0.0.1:${closed} (nothing listens on that port)`);
  });
});
