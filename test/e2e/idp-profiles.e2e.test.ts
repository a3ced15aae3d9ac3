/**
 * Every OIDC flow against the emulator's strict IdP profiles, with the presets a CDF developer would use:
 * what works against Entra ID and Auth0 works here, and the configurations the real IdPs turn into a token
 * CDF refuses (no cluster scope, no audience, a `resource` parameter at Entra) fail here too, with a
 * message that names the option to pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth0, entra } from '../../src/config/idp-presets.js';
import { loginWithApiKey, loginWithLoginUrl } from '../../src/drivers/node/legacy.js';
import {
  loginWithAuthorizationCode,
  loginWithClientCredentials,
  loginWithDeviceCode,
} from '../../src/drivers/node/oidc.js';
import { headlessOpener } from '../../src/drivers/node/opener.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { sessionFor } from '../../src/session/oidc-session.js';
import { failureOf } from '../helpers/failure.js';

let entraIdp: Emulator;
let auth0Idp: Emulator;
beforeAll(async () => {
  [entraIdp, auth0Idp] = await Promise.all([
    startEmulator({ profile: 'entra', seed: 'profiles' }),
    // Another port than the profile's default 53000, which the Toolkit .env test uses at the same time.
    startEmulator({ profile: 'auth0', seed: 'profiles', cliRedirectUris: ['http://localhost:53017'] }),
  ]);
});
afterAll(() => Promise.all([entraIdp.close(), auth0Idp.close()]));

/** The Entra preset pointed at the emulator: its login host, its tenant (or an alias), its cluster. */
const entraPreset = (tenant = entraIdp.tenantId ?? '') =>
  entra({ tenant, baseUrl: entraIdp.baseUrl, authority: entraIdp.idpOrigin });
const user = () => ({ baseUrl: entraIdp.baseUrl, clientId: entraIdp.clients.cli, project: 'demo' });

/** The entra profile's service client through the entra preset; the secret is the caller's. */
const entraService = () => ({
  baseUrl: entraIdp.baseUrl,
  idp: entraPreset(),
  clientId: entraIdp.clients.service.id,
});

describe("the entra profile's metadata is Entra's", () => {
  it('tenant paths, no PKCE method list, no RFC 9207 flag, no revocation; common names the {tenantid} template', async () => {
    const tenant = await (
      await fetch(`${entraIdp.idpOrigin}/${entraIdp.tenantId}/v2.0/.well-known/openid-configuration`)
    ).json();
    expect(tenant.issuer).toBe(`${entraIdp.idpOrigin}/${entraIdp.tenantId}/v2.0`);
    expect(tenant.token_endpoint).toBe(`${entraIdp.idpOrigin}/${entraIdp.tenantId}/oauth2/v2.0/token`);
    expect(tenant.device_authorization_endpoint).toMatch(/\/oauth2\/v2\.0\/devicecode$/);
    expect(tenant).not.toHaveProperty('code_challenge_methods_supported');
    expect(tenant).not.toHaveProperty('authorization_response_iss_parameter_supported');
    expect(tenant).not.toHaveProperty('revocation_endpoint');
    const common = await (await fetch(`${entraIdp.idpOrigin}/common/v2.0/.well-known/openid-configuration`)).json();
    expect(common.issuer).toBe(`${entraIdp.idpOrigin}/{tenantid}/v2.0`);
    expect(common.authorization_endpoint).toBe(`${entraIdp.idpOrigin}/common/oauth2/v2.0/authorize`);
    expect((await fetch(`${entraIdp.idpOrigin}/.well-known/openid-configuration`)).status).toBe(404);
  });
});

describe('Entra ID with the entra() preset', () => {
  it('code + PKCE on the loopback: an ID token with tid, a token CDF accepts, a refresh that keeps working', async () => {
    const signIn = await loginWithAuthorizationCode({ ...user(), idp: entraPreset(), opener: headlessOpener() });
    expect(signIn.claims?.iss).toBe(`${entraIdp.idpOrigin}/${entraIdp.tenantId}/v2.0`);
    expect(signIn.inspection.projects).toContain('demo');
    expect(signIn.tokens.scope).toContain(`${entraIdp.baseUrl}/.default`);
    const session = sessionFor(signIn, { ...user(), idp: entraPreset() });
    session.actor.send({ type: 'RENEW', now: Date.now() });
    expect(await session.getToken()).not.toBe(signIn.tokens.accessToken);
    session.logout();
  });

  it('a multi-tenant app on common or organizations signs in: iss is the template filled with the token tid', async () => {
    for (const tenant of ['common', 'organizations']) {
      const signIn = await loginWithAuthorizationCode({
        ...user(),
        idp: entraPreset(tenant),
        opener: headlessOpener(),
      });
      expect(signIn.claims?.iss).toBe(`${entraIdp.idpOrigin}/${entraIdp.tenantId}/v2.0`);
    }
  });

  it('device code: the answer has a message and no complete URI; approving signs in, declining is accessDenied', async () => {
    const shown: Array<{ userCode: string; verificationUri: string; verificationUriComplete?: string }> = [];
    const signIn = await loginWithDeviceCode({
      ...user(),
      idp: entraPreset(),
      onUserCode: (info) => {
        shown.push(info);
        void entraIdp.answerDeviceCode(info.verificationUri, true, info.userCode);
      },
    });
    expect(shown[0]?.verificationUriComplete).toBeUndefined();
    expect(shown[0]?.verificationUri).toBe(`${entraIdp.idpOrigin}/devicelogin`);
    expect(signIn.inspection.projects).toContain('demo');
    const declined = await failureOf(
      loginWithDeviceCode({
        ...user(),
        idp: entraPreset(),
        onUserCode: (info) => void entraIdp.answerDeviceCode(info.verificationUri, false, info.userCode),
      }),
    );
    expect(declined.code).toBe('accessDenied');
  });

  it('client credentials ask for {cluster}/.default and nothing else', async () => {
    const result = await loginWithClientCredentials({
      ...entraService(),
      clientSecret: entraIdp.clients.service.secret,
    });
    expect(result.inspection.subject).toBe('service');
    expect(result.tokens.scope).toBe(`${entraIdp.baseUrl}/.default`);
  });

  it('no preset and no scope: the default is derived from the cluster, so the token is still for CDF', async () => {
    const signIn = await loginWithAuthorizationCode({ ...user(), issuer: entraIdp.issuer, opener: headlessOpener() });
    expect(signIn.inspection.projects).toContain('demo');
  });
});

describe('loopback redirect rules per profile', () => {
  it('Entra ignores the port of a localhost redirect (desktop platform): a registered http://localhost, any port', async () => {
    expect(entraIdp.cliRedirect.exact).toBe(false);
    for (const redirectUri of ['http://localhost', 'http://localhost:53019']) {
      const signIn = await loginWithAuthorizationCode({
        ...user(),
        idp: entraPreset(),
        redirectUri,
        opener: headlessOpener(),
      });
      expect(signIn.inspection.projects).toContain('demo');
    }
  });

  it('Auth0 compares exactly: the default 127.0.0.1 loopback and another port are refused', async () => {
    expect(auth0Idp.cliRedirect).toEqual({ exact: true, uris: ['http://localhost:53017'] });
    for (const redirectUri of [undefined, 'http://localhost:53018']) {
      const error = await failureOf(
        loginWithAuthorizationCode({
          baseUrl: auth0Idp.baseUrl,
          clientId: auth0Idp.clients.cli,
          issuer: auth0Idp.issuer,
          authorizationParams: { audience: auth0Idp.baseUrl },
          ...(redirectUri ? { redirectUri } : {}),
          opener: headlessOpener(),
        }),
      );
      expect(error.code).toBe('navigationFailed');
    }
  });
});

describe('Entra ID misconfigured, as it fails for real', () => {
  it('without the cluster scope the token is not for CDF: token/inspect refuses it and the error names the scope', async () => {
    const error = await failureOf(
      loginWithAuthorizationCode({
        ...user(),
        issuer: entraIdp.issuer,
        scope: 'openid profile offline_access',
        opener: headlessOpener(),
      }),
    );
    expect(error.code).toBe('tokenRejected');
    expect(error.message).toContain(`scope "${entraIdp.baseUrl}/.default"`);
    expect(error.message).toContain('--scope');
  });

  it('client credentials with an RFC 8707 resource are refused, as v2 refuses the resource parameter', async () => {
    const error = await failureOf(
      loginWithClientCredentials({
        ...entraService(),
        clientSecret: entraIdp.clients.service.secret,
        resource: entraIdp.baseUrl,
      }),
    );
    expect(error.code).toBe('idpError');
    expect(error.message).toContain('AADSTS901002');
  });

  it('a wrong client secret answers in AADSTS style and is clientRejected (the IdP refused the client, not CDF a token)', async () => {
    const error = await failureOf(
      loginWithClientCredentials({
        ...entraService(),
        clientSecret: 'not-the-secret',
      }),
    );
    expect(error.code).toBe('clientRejected');
    expect(error.message).not.toContain('not-the-secret');
    // What Entra's admins ask for is kept: the AADSTS code, trace and correlation ids.
    expect(error.message).toContain('AADSTS');
    expect(error.message).toMatch(/trace_id [0-9a-f-]{36}/);
    expect(error.idpDiagnostics?.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.idpDiagnostics?.errorCodes?.length).toBe(1);
  });

  it('a token error body carries error_codes, trace and correlation ids, as Entra writes them', async () => {
    const response = await fetch(`${entraIdp.idpOrigin}/${entraIdp.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: 'nope',
        client_id: entraIdp.clients.cli,
      }),
    });
    const body = await response.json();
    expect(response.status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_grant', error_codes: [70000] });
    expect(body.error_description).toMatch(/^AADSTS70000: /);
    expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('Auth0 with the auth0() preset', () => {
  const preset = (audience: string) => auth0({ domain: auth0Idp.idpOrigin, audience });
  // Auth0 compares the callback URL exactly: the registered one (http://localhost:53000) is passed.
  const auth0User = () => ({
    baseUrl: auth0Idp.baseUrl,
    clientId: auth0Idp.clients.cli,
    project: 'demo',
    redirectUri: auth0Idp.cliRedirect.uris[0] ?? '',
  });

  it('the issuer has its trailing slash; with audience the code flow gets a JWT CDF accepts', async () => {
    expect(auth0Idp.issuer).toBe(`${auth0Idp.idpOrigin}/`);
    const signIn = await loginWithAuthorizationCode({
      ...auth0User(),
      idp: preset(auth0Idp.baseUrl),
      opener: headlessOpener(),
    });
    expect(signIn.claims?.iss).toBe(`${auth0Idp.idpOrigin}/`);
    expect(signIn.inspection.projects).toContain('demo');
  });

  it('device code and client credentials send the audience too', async () => {
    const device = await loginWithDeviceCode({
      ...auth0User(),
      idp: preset(auth0Idp.baseUrl),
      onUserCode: (info) => void auth0Idp.answerDeviceCode(info.verificationUriComplete ?? '', true),
    });
    expect(device.inspection.projects).toContain('demo');
    const service = await loginWithClientCredentials({
      baseUrl: auth0Idp.baseUrl,
      idp: preset(auth0Idp.baseUrl),
      clientId: auth0Idp.clients.service.id,
      clientSecret: auth0Idp.clients.service.secret,
    });
    expect(service.inspection.subject).toBe('service');
  });

  it('without audience the access token is opaque: CDF refuses it and the error names --audience', async () => {
    const error = await failureOf(
      loginWithAuthorizationCode({ ...auth0User(), issuer: auth0Idp.issuer, opener: headlessOpener() }),
    );
    expect(error.code).toBe('tokenRejected');
    expect(error.message).toContain('--audience');
  });
});

describe('the legacy ways in behind every profile', () => {
  it.each([
    ['entra', () => entraIdp],
    ['auth0', () => auth0Idp],
  ])('%s: the login-URL flow (CDF as the IdP client) and an API key sign in', async (_name, emulatorOf) => {
    const emulator = emulatorOf();
    const session = await loginWithLoginUrl({ baseUrl: emulator.baseUrl, project: 'demo', opener: headlessOpener() });
    expect(session).toMatchObject({ user: 'alice', project: 'demo' });
    const identity = await loginWithApiKey({ baseUrl: emulator.baseUrl, apiKey: emulator.apiKeys[0]?.key ?? '' });
    expect(identity.project).toBe('demo');
  });
});
