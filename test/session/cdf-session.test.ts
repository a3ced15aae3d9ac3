/**
 * One session surface for every way in: a login-URL session, an API key and an OIDC sign-in all give auth
 * headers and an authenticated request; a 401 leads to one refresh and one retry where the way in can
 * refresh (OIDC) and to `reauthRequired` where it cannot (legacy); logout ends what can be ended remotely.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loginWithLoginUrl } from '../../src/drivers/node/legacy.js';
import { cdfSessionFor, loginWithAuthorizationCode } from '../../src/drivers/node/oidc.js';
import { headlessOpener } from '../../src/drivers/node/opener.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { createCdfClient } from '../../src/protocol/cdf.js';
import { createOidcClient } from '../../src/protocol/oidc.js';
import { apiKeySession, loginUrlSession } from '../../src/session/cdf-session.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.clearFaults());

const ASSETS = 'api/v1/projects/demo/assets';

describe('the same surface for every way in', () => {
  it('login URL: a Bearer header, requests that work; logout ends the session at CDF', async () => {
    const signedIn = await loginWithLoginUrl({ baseUrl: emulator.baseUrl, project: 'demo', opener: headlessOpener() });
    const session = loginUrlSession(signedIn, { baseUrl: emulator.baseUrl });
    expect(session.wayIn).toBe('login-url');
    expect(await session.headers()).toEqual({ authorization: `Bearer ${signedIn.accessToken}` });
    expect((await session.request('GET', ASSETS)).status).toBe(200);
    await session.logout();
    expect(session.state()).toBe('loggedOut');
    const status = await createCdfClient({ baseUrl: emulator.baseUrl }).getLoginStatus({
      accessToken: signedIn.accessToken,
    });
    expect(status.loggedIn).toBe(false);
  });

  it('login URL: a 401 cannot be refreshed away: reauthRequired, and the session says so', async () => {
    const signedIn = await loginWithLoginUrl({ baseUrl: emulator.baseUrl, project: 'demo', opener: headlessOpener() });
    const session = loginUrlSession(signedIn, { baseUrl: emulator.baseUrl });
    emulator.fault({ path: `/${ASSETS}`, status: 401 });
    await expect(session.request('GET', ASSETS)).rejects.toMatchObject({ code: 'reauthRequired' });
    expect(session.state()).toBe('reauthRequired');
  });

  it('API key: the api-key header, no access token; a revoked key ends in reauthRequired', async () => {
    const apiKey = emulator.apiKeys[0]?.key ?? '';
    const session = apiKeySession({ apiKey, baseUrl: emulator.baseUrl });
    expect(await session.headers()).toEqual({ 'api-key': apiKey });
    await expect(session.getToken()).rejects.toMatchObject({ code: 'notLoggedIn' });
    expect((await session.request('GET', ASSETS)).status).toBe(200);
    const other = startEmulator();
    const revokedAt = await other;
    try {
      const revoked = apiKeySession({ apiKey: revokedAt.apiKeys[0]?.key ?? '', baseUrl: revokedAt.baseUrl });
      revokedAt.revokeApiKey(revokedAt.apiKeys[0]?.key ?? '');
      await expect(revoked.request('GET', ASSETS)).rejects.toMatchObject({ code: 'reauthRequired' });
    } finally {
      await revokedAt.close();
    }
  });

  it('OIDC: a 401 leads to one refresh and one retry that succeeds; logout revokes the refresh token', async () => {
    const options = { issuer: emulator.issuer, clientId: emulator.clients.cli, baseUrl: emulator.baseUrl };
    const signIn = await loginWithAuthorizationCode({ ...options, opener: headlessOpener() });
    let latest = signIn.tokens;
    const session = cdfSessionFor(signIn, options, {
      onTokens: (tokens) => {
        latest = tokens;
      },
    });
    emulator.fault({ path: `/${ASSETS}`, status: 401 });
    const before = emulator.idpRequests.filter((r) => r.path === '/token').length;
    const answer = await session.request('GET', ASSETS);
    expect(answer.status).toBe(200);
    expect(emulator.idpRequests.filter((r) => r.path === '/token').length).toBe(before + 1);
    expect(await session.getToken()).not.toBe(signIn.tokens.accessToken);
    const rotated = latest.refreshToken;
    expect(rotated).toBeTruthy();
    expect(rotated).not.toBe(signIn.tokens.refreshToken);
    await session.logout();
    expect(session.state()).toBe('loggedOut');
    // The refresh token the session held last (the rotated one) was revoked at the IdP.
    const idp = createOidcClient({ issuer: emulator.issuer, clientId: emulator.clients.cli });
    await expect(idp.refresh(rotated ?? '')).rejects.toMatchObject({ code: 'invalidGrant' });
  });
});
