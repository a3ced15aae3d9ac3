/**
 * An OpenID provider none of this project's code comes from: Glewlwyd 2.7 (Debian's `glewlwyd`, set up
 * through its admin API by glewlwyd.mjs), met by the library as it is and by the CLI. The person signs in
 * with real Chromium at Glewlwyd's own pages; the emulated CDF trusts Glewlwyd's tokens for one RFC 8707
 * resource, as a CDF project set up for that IdP would. Every flow: code + PKCE through the registered
 * loopback redirect, device code, client credentials, refresh with rotation, revocation.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  loginWithAuthorizationCode,
  loginWithClientCredentials,
  loginWithDeviceCode,
} from '../../src/drivers/node/oidc.js';
import type { Opener } from '../../src/drivers/node/opener.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { AuthFlowError } from '../../src/errors/auth-flow-error.js';
import { createOidcClient } from '../../src/protocol/oidc.js';
import { launchChromium } from '../helpers/chromium.js';
import { runCli } from '../helpers/cli.js';
import { eachFreshHome } from '../helpers/lifecycle.js';
import { enterUserCode, type GlewlwydOp, signInAsPerson, startGlewlwyd } from './glewlwyd.mjs';

/** The resource the emulated CDF trusts Glewlwyd's tokens for. */
const RESOURCE = 'https://cdf.glewlwyd.test';

let op: GlewlwydOp;
let cdf: Emulator;
let browser: Browser;
let context: BrowserContext;
beforeAll(async () => {
  [op, browser] = await Promise.all([startGlewlwyd({ resources: [RESOURCE] }), launchChromium()]);
  const discovery = (await (await fetch(op.discoveryUrl)).json()) as { jwks_uri: string };
  cdf = await startEmulator({ trustIdp: { issuer: op.issuer, jwksUri: discovery.jwks_uri, audience: RESOURCE } });
});
afterAll(async () => {
  await Promise.all([op?.stop(), browser?.close(), cdf?.close()]);
});
afterEach(async () => {
  await context?.close();
});

/** The person's browser: a fresh Chromium context that signs in at Glewlwyd's login page. */
function chromiumPerson(): Opener {
  return async (url) => {
    context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(url);
    // The sign-in runs on; the flow waits for the loopback callback it leads to.
    void signInAsPerson(page, op.username, op.password).catch(() => {});
  };
}

const person = () => ({
  issuer: op.issuer,
  clientId: op.publicClientId,
  baseUrl: cdf.baseUrl,
  project: 'demo',
  scope: 'openid profile offline_access user_impersonation',
  resource: RESOURCE,
  // Glewlwyd compares the redirect URI exactly: the registered localhost one, port and path.
  redirectUri: op.redirectUris.find((uri) => uri.startsWith('http://localhost')) ?? '',
});

describe('Glewlwyd 2.7, an independent OpenID provider', () => {
  it('code + PKCE through the registered loopback with Chromium; refresh rotates; the old refresh token is refused', async () => {
    const signIn = await loginWithAuthorizationCode({ ...person(), opener: chromiumPerson() });
    expect(signIn.inspection.projects).toContain('demo');
    expect(signIn.claims?.iss).toBe(op.issuer);
    const first = signIn.tokens.refreshToken ?? '';
    expect(first).not.toBe('');
    const idp = createOidcClient({ issuer: op.issuer, clientId: op.publicClientId, resource: RESOURCE });
    const next = await idp.refresh(first);
    expect(next.refreshToken).toBeTruthy();
    expect(next.refreshToken).not.toBe(first);
    // The access token a refresh gives is still one CDF accepts: the resource went with the refresh.
    const inspected = await fetch(`${cdf.baseUrl}/api/v1/token/inspect`, {
      headers: { authorization: `Bearer ${next.accessToken}` },
    });
    expect(inspected.status).toBe(200);
    const reuse = await idp.refresh(first).catch((error: unknown) => error);
    expect(reuse).toBeInstanceOf(AuthFlowError);
    expect(JSON.stringify(reuse)).not.toContain(first);
    // Glewlwyd answers the reuse with an empty 400: read as a refused grant, not as a malformed answer.
    expect((reuse as AuthFlowError).code).toBe('invalidGrant');
    expect((reuse as AuthFlowError).message).toContain('sign in again');
  });

  it('without the resource the token is for the scopes, not CDF: the failure names --resource', async () => {
    const { resource: _resource, ...withoutResource } = person();
    const error = await loginWithAuthorizationCode({ ...withoutResource, opener: chromiumPerson() }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthFlowError);
    expect((error as AuthFlowError).code).toBe('tokenRejected');
    expect((error as AuthFlowError).message).toContain('--resource');
  });

  it('device code: the person types the code at Glewlwyd in Chromium', async () => {
    const signIn = await loginWithDeviceCode({
      ...person(),
      onUserCode: (info) => {
        void (async () => {
          context = await browser.newContext({ locale: 'en-US' });
          const page = await context.newPage();
          await page.goto(info.verificationUri);
          await enterUserCode(page, info.userCode);
          await signInAsPerson(page, op.username, op.password);
        })().catch(() => {});
      },
    });
    expect(signIn.inspection.projects).toContain('demo');
    expect(signIn.tokens.refreshToken).toBeTruthy();
  });

  it('client credentials: HTTP Basic (advertised) is refused and says the other method; client_secret_post works', async () => {
    const service = {
      issuer: op.issuer,
      baseUrl: cdf.baseUrl,
      clientId: op.confidentialClientId,
      clientSecret: op.clientSecret,
      scope: op.clientCredentialsScope,
      resource: RESOURCE,
    };
    const refused = await loginWithClientCredentials(service).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthFlowError);
    expect((refused as AuthFlowError).code).toBe('clientRejected');
    expect((refused as AuthFlowError).message).toContain('client_secret_basic');
    expect((refused as AuthFlowError).message).toContain('--client-auth post');
    expect((refused as AuthFlowError).message).not.toContain(op.clientSecret);
    const result = await loginWithClientCredentials({ ...service, oidc: { clientAuth: 'post' } });
    expect(result.inspection.projects).toContain('demo');
    // Revocation by the confidential client (RFC 7009), advertised and honoured.
    const idp = createOidcClient({
      issuer: op.issuer,
      clientId: op.confidentialClientId,
      clientSecret: op.clientSecret,
      clientAuth: 'post',
    });
    expect(await idp.revoke(result.tokens.accessToken, 'access_token')).toBe(true);
  });

  it('a public client revoking gets an empty 401: the error says what that means, not the body type', async () => {
    const idp = createOidcClient({ issuer: op.issuer, clientId: op.publicClientId });
    const error = await idp.revoke('not-a-token-we-have', 'refresh_token').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFlowError);
    expect((error as AuthFlowError).message).toContain('public client');
    expect((error as AuthFlowError).message).not.toMatch(/content-type/i);
  });
});

describe('Glewlwyd through the CLI', () => {
  let home = '';
  eachFreshHome('cdf-auth-glewlwyd-', (dir) => {
    home = dir;
  });

  it('client credentials from the variables, --client-auth post and --resource; status and api on the login', async () => {
    const env = {
      CDF_AUTHFLOW_HOME: home,
      PROVIDER: 'other',
      CDF_URL: cdf.baseUrl,
      CDF_PROJECT: 'demo',
      IDP_DISCOVERY_URL: op.discoveryUrl,
      IDP_CLIENT_ID: op.confidentialClientId,
      IDP_CLIENT_SECRET: op.clientSecret,
      IDP_SCOPES: op.clientCredentialsScope,
    };
    const refused = await runCli(home, ['login'], env);
    expect(refused.code).toBe(3);
    expect(refused.err).toContain('--client-auth post');
    const login = await runCli(home, ['login', '--client-auth', 'post', '--resource', RESOURCE, '--json'], env);
    expect({ code: login.code, err: login.err }).toEqual({ code: 0, err: '' });
    const api = await runCli(home, ['api', '/api/v1/projects/{project}/assets'], env);
    expect(api.code).toBe(0);
    // The refresh of a client-credentials login asks again, with the same method and resource.
    const status = await runCli(home, ['status', '--json'], env);
    expect(JSON.parse(status.out)).toMatchObject({ loggedIn: true, baseUrl: cdf.baseUrl });
  });
});
