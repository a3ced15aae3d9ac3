/**
 * `cdf-authflow` as an application imports it: by the package name, which resolves through package.json
 * `exports` to the build in dist/ (run `npm run build` first), never by a path into src/. Its exported
 * names are pinned here, so that a change of the public surface is a visible diff in review.
 */

import * as entry from 'cdf-authflow';
import {
  type CredentialStore,
  createCdfClient,
  createMemoryCredentialStore,
  createMemoryRenewLock,
  createOidcClient,
  createSession,
  InvalidArgumentError,
  isFresh,
  renewOnce,
  type TokenSet,
  usableWhenFresh,
} from 'cdf-authflow';
import { type Emulator, startEmulator } from 'cdf-authflow/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator?.close());

describe('the cdf-authflow entry', () => {
  it('exports exactly these names, each of them defined', () => {
    expect(Object.keys(entry).sort()).toEqual([
      'AuthFlowError',
      'COGNITE_IDP_ISSUER',
      'COGNITE_IDP_REDIRECT_URIS',
      'COGNITE_SDK_REDIRECT_URI',
      'DEFAULT_LEEWAY_MS',
      'InvalidArgumentError',
      'REDACTED',
      'SettingsError',
      'TOOLKIT_DEFAULT',
      'TOOLKIT_ENTRA_CLIENT_ID',
      'VERSION',
      'apiKeySession',
      'auth0',
      'bearerTokenSession',
      'cdfScopes',
      'clusterUrl',
      'cogidp',
      'cognito',
      'createCdfClient',
      'createMemoryCredentialStore',
      'createMemoryRenewLock',
      'createOidcClient',
      'createSession',
      'describeSettings',
      'entra',
      'idpName',
      'isAuthFlowError',
      'isFailureCode',
      'isFresh',
      'keycloak',
      'loginUrlSession',
      'machineGraph',
      'oidc',
      'oidcSession',
      'okta',
      'organizationProjects',
      'parseLoginCallback',
      'presetOf',
      'redact',
      'redactText',
      'renderDiagram',
      'renewOnce',
      'resolveSettings',
      'scopeList',
      'stripLoginCallback',
      'usableWhenFresh',
    ]);
    for (const [name, value] of Object.entries(entry)) expect(value, name).toBeDefined();
  });

  it('a service token from the IdP, kept fresh by a session, is one CDF accepts; a URL as a path is an InvalidArgumentError', async () => {
    const idp = createOidcClient({
      issuer: emulator.issuer,
      clientId: emulator.clients.service.id,
      clientSecret: emulator.clients.service.secret,
    });
    const getTokens = () => idp.clientCredentials({ scope: 'api:read', resource: emulator.baseUrl });
    const first = await getTokens();
    expect(isFresh(first, Date.now())).toBe(true);
    // Handed an expired set, the session renews before it answers.
    let renewals = 0;
    const session = createSession({
      tokens: { ...first, accessToken: 'expired', expiresAt: Date.now() - 1 },
      refresh: () => {
        renewals += 1;
        return getTokens();
      },
    });
    const token = await session.getToken();
    expect(renewals).toBe(1);
    expect(token).not.toBe('expired');
    session.logout();

    const cdf = createCdfClient({ baseUrl: emulator.baseUrl });
    expect((await cdf.inspectToken(token)).subject).toBe('service');
    const projects = await cdf.request('GET', 'api/v1/projects', { accessToken: token });
    expect(projects.status).toBe(200);
    const outside = cdf.request('GET', 'https://elsewhere.example/api/v1/projects', { accessToken: token });
    await expect(outside).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(outside).rejects.toMatchObject({ name: 'InvalidArgumentError', code: 'invalidArgument' });
    await expect(outside).rejects.toBeInstanceOf(TypeError);
  });

  it('renewOnce over the memory store and lock: three callers at once, one renewal, the rest adopt it', async () => {
    const stale: TokenSet = { accessToken: 'stale', tokenType: 'Bearer', expiresAt: Date.now() - 1 };
    const store: CredentialStore<TokenSet> = createMemoryCredentialStore<TokenSet>();
    expect(await store.write('me', stale, null)).toEqual({ status: 'written', version: '1' });
    const lock = createMemoryRenewLock();
    let renewals = 0;
    const renew = async (stored: TokenSet): Promise<TokenSet> => {
      renewals += 1;
      expect(stored.accessToken).toBe('stale');
      return { accessToken: 'renewed', tokenType: 'Bearer', expiresAt: Date.now() + 3_600_000 };
    };
    const outcomes = await Promise.all(
      Array.from({ length: 3 }, () =>
        renewOnce({ store, lock, key: 'me', current: stale, renew, isUsable: usableWhenFresh() }),
      ),
    );
    expect(renewals).toBe(1);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['adopted', 'adopted', 'renewed']);
    expect(new Set(outcomes.map((o) => o.credential.accessToken))).toEqual(new Set(['renewed']));
    expect((await store.read('me'))?.credential.accessToken).toBe('renewed');
  });
});
