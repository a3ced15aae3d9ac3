/**
 * One session suite for every way in: a login-URL session, an API key and an OIDC sign-in pass the same
 * tests — auth headers, an authenticated request, a 401 (one refresh and one retry where the way in can
 * refresh, `reauthRequired` where it cannot), and a logout that ends what can be ended remotely — so that
 * an app can move from one way in to another without changing how it calls CDF.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { TokenSet } from '../../machines/shared/tokens.js';
import { loginWithLoginUrl } from '../../src/drivers/node/legacy.js';
import { loginWithAuthorizationCode } from '../../src/drivers/node/oidc.js';
import { headlessOpener } from '../../src/drivers/node/opener.js';
import { startEmulator } from '../../src/emulator/index.js';
import { createCdfClient } from '../../src/protocol/cdf.js';
import { createOidcClient } from '../../src/protocol/oidc.js';
import { apiKeySession, type CdfSession, loginUrlSession } from '../../src/session/cdf-session.js';
import { cdfSessionFor } from '../../src/session/oidc-session.js';

const emulator = await startEmulator();
afterAll(() => emulator.close());
beforeEach(() => emulator.clearFaults());

const ASSETS = 'api/v1/projects/demo/assets';

interface WayIn {
  /** A fresh session, and whether its credential still works at CDF or the IdP (after a logout). */
  start(): Promise<{ session: CdfSession; stillWorks: () => Promise<boolean> }>;
  /** What a 401 leads to: a retried request (`refreshed`), or the end of the session. */
  readonly on401: 'refreshed' | 'reauthRequired';
  /** Whether logout ends the credential beyond this process. */
  readonly endsRemotely: boolean;
  readonly header: 'authorization' | 'api-key';
  /** Whether `stillWorks` spends the credential (a refresh token is single-use): then it runs only after logout. */
  readonly probeSpends?: boolean;
}

const ways: Record<string, WayIn> = {
  'login URL': {
    async start() {
      const signedIn = await loginWithLoginUrl({
        baseUrl: emulator.baseUrl,
        project: 'demo',
        opener: headlessOpener(),
      });
      const session = loginUrlSession(signedIn, { baseUrl: emulator.baseUrl });
      const cdf = createCdfClient({ baseUrl: emulator.baseUrl });
      return {
        session,
        stillWorks: async () => (await cdf.getLoginStatus({ accessToken: signedIn.accessToken })).loggedIn,
      };
    },
    on401: 'reauthRequired',
    endsRemotely: true,
    header: 'authorization',
  },
  'API key': {
    async start() {
      const apiKey = emulator.apiKeys[0]?.key ?? '';
      const cdf = createCdfClient({ baseUrl: emulator.baseUrl });
      return {
        session: apiKeySession({ apiKey, baseUrl: emulator.baseUrl }),
        stillWorks: async () => (await cdf.getLoginStatus({ apiKey })).loggedIn,
      };
    },
    on401: 'reauthRequired',
    // An API key is ended by rotating it at CDF, not by a client's logout.
    endsRemotely: false,
    header: 'api-key',
  },
  OIDC: {
    async start() {
      const options = { issuer: emulator.issuer, clientId: emulator.clients.cli, baseUrl: emulator.baseUrl };
      const signIn = await loginWithAuthorizationCode({ ...options, opener: headlessOpener() });
      let latest: TokenSet = signIn.tokens;
      const session = cdfSessionFor(signIn, options, {
        onTokens: (tokens) => {
          latest = tokens;
        },
      });
      const idp = createOidcClient({ issuer: emulator.issuer, clientId: emulator.clients.cli });
      return {
        session,
        stillWorks: () =>
          idp.refresh(latest.refreshToken ?? '').then(
            () => true,
            () => false,
          ),
      };
    },
    on401: 'refreshed',
    endsRemotely: true,
    header: 'authorization',
    // An unspent refresh token refreshes unless it was revoked: after a local-only logout it would.
    probeSpends: true,
  },
};

describe.each(Object.entries(ways))('a %s session', (_name, way) => {
  it('gives the auth header of its way in, and requests to the cluster work', async () => {
    const { session } = await way.start();
    expect(Object.keys(await session.headers())).toEqual([way.header]);
    expect((await session.request('GET', ASSETS)).status).toBe(200);
    expect(session.state()).toBe('authenticated');
  });

  it(`answers a 401 with ${way.on401 === 'refreshed' ? 'one refresh and one retry' : 'reauthRequired, no loop'}`, async () => {
    const { session } = await way.start();
    emulator.fault({ path: `/${ASSETS}`, status: 401 });
    const before = emulator.requests.filter((r) => r.path === `/${ASSETS}`).length;
    if (way.on401 === 'refreshed') {
      expect((await session.request('GET', ASSETS)).status).toBe(200);
      expect(session.state()).toBe('authenticated');
    } else {
      await expect(session.request('GET', ASSETS)).rejects.toMatchObject({ code: 'reauthRequired' });
      expect(session.state()).toBe('reauthRequired');
    }
    // At most one retry, whichever way in.
    expect(emulator.requests.filter((r) => r.path === `/${ASSETS}`).length - before).toBeLessThanOrEqual(2);
  });

  it(`logs out${way.endsRemotely ? ', ending the credential remotely too' : ' locally (nothing remote to end)'}`, async () => {
    const { session, stillWorks } = await way.start();
    if (!way.probeSpends) expect(await stillWorks()).toBe(true);
    await session.logout();
    expect(session.state()).toBe('loggedOut');
    await expect(session.getToken()).rejects.toBeTruthy();
    expect(await stillWorks()).toBe(!way.endsRemotely);
  });
});
