/**
 * `cdf-authflow` as an application imports it: by the package name, which resolves through package.json
 * `exports` to the build in dist/ (run `npm run build` first), never by a path into src/. Its exported
 * names are pinned here (PUBLIC_NAMES, at the end), so that a change of the public surface is a visible
 * diff in review.
 */

import * as entry from 'cdf-authflow';
import {
  createCdfClient,
  createCdfSession,
  createMemoryCredentialStore,
  createMemoryRenewLock,
  createOidcClient,
  InvalidArgumentError,
  isFresh,
  type TokenSet,
} from 'cdf-authflow';
import { type Emulator, startEmulator } from 'cdf-authflow/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceSignIn } from '../helpers/emulator-clients.js';
import { pinnedNames } from '../helpers/entries.js';

let emulator: Emulator;

/** The emulator's service client, as the options of its sign-in. */
const serviceOptions = () => serviceSignIn(emulator);

/** The same tokens, expired. */
const expired = (tokens: TokenSet): TokenSet => ({ ...tokens, accessToken: 'expired', expiresAt: Date.now() - 1 });
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator?.close());

describe('the cdf-authflow entry', () => {
  it('exports exactly these names, each of them defined', () => {
    pinnedNames(entry, PUBLIC_NAMES);
  });

  it('a service token from the IdP, kept fresh by a session, is one CDF accepts; a URL as a path is an InvalidArgumentError', async () => {
    const service = serviceOptions();
    const first = await createOidcClient(service).clientCredentials({
      scope: service.scope,
      resource: service.resource,
    });
    expect(isFresh(first, Date.now())).toBe(true);
    // Handed an expired set, the session renews (a new client-credentials request) before it answers.
    const session = createCdfSession({ kind: 'oidc', tokens: expired(first) }, service);
    const token = await session.getToken();
    expect(token).not.toBe('expired');
    await session.logout();

    const cdf = createCdfClient({ baseUrl: emulator.baseUrl });
    expect((await cdf.inspectToken(token)).subject).toBe('service');
    const projects = await cdf.request('GET', 'api/v1/projects', { accessToken: token });
    expect(projects.status).toBe(200);
    const outside = cdf.request('GET', 'https://elsewhere.example/api/v1/projects', { accessToken: token });
    await expect(outside).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(outside).rejects.toMatchObject({ name: 'InvalidArgumentError', code: 'invalidArgument' });
    await expect(outside).rejects.toBeInstanceOf(TypeError);
  });

  it('two sessions sharing the memory store and lock renew once: both hand out the same new token', async () => {
    const service = serviceOptions();
    const stale = expired(
      await createOidcClient(service).clientCredentials({ scope: service.scope, resource: service.resource }),
    );
    const store = createMemoryCredentialStore<TokenSet>();
    expect(await store.write('me', stale, null)).toEqual({ status: 'written', version: '1' });
    const sharing = { store, lock: createMemoryRenewLock(), key: 'me' };
    const sessions = [1, 2].map(() => createCdfSession({ kind: 'oidc', tokens: stale }, { ...service, sharing }));
    const tokens = await Promise.all(sessions.flatMap((session) => [session.getToken(), session.getToken()]));
    // Two renewals would have asked the IdP twice, for two different tokens.
    expect(new Set(tokens).size).toBe(1);
    expect((await store.read('me'))?.credential.accessToken).toBe(tokens[0]);
  });
});

/** Every name the entry exports, sorted (pinned by the first test above). */
const PUBLIC_NAMES = [
  'AuthFlowError',
  'COGNITE_IDP_ISSUER',
  'COGNITE_IDP_REDIRECT_URIS',
  'COGNITE_SDK_REDIRECT_URI',
  'DEFAULT_LEEWAY_MS',
  'FAILURE_CODES',
  'InvalidArgumentError',
  'REDACTED',
  'SettingsError',
  'TOOLKIT_DEFAULT',
  'TOOLKIT_ENTRA_CLIENT_ID',
  'VERSION',
  'auth0',
  'cdfScopes',
  'clusterUrl',
  'cogidp',
  'cognito',
  'createCdfClient',
  'createCdfSession',
  'createMemoryCredentialStore',
  'createMemoryRenewLock',
  'createOidcClient',
  'describeSettings',
  'entra',
  'idpName',
  'isAuthFlowError',
  'isFailureCode',
  'isFresh',
  'keycloak',
  'machineGraph',
  'oidc',
  'okta',
  'organizationProjects',
  'parseLoginCallback',
  'presetOf',
  'redact',
  'redactInspectionEvent',
  'redactText',
  'renderDiagram',
  'resolveSettings',
  'scopeList',
  'stripLoginCallback',
  'whereItFailed',
];
