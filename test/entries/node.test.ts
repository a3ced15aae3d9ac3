/**
 * `cdf-authflow/node` as a Node application imports it: by the package name, which resolves through
 * package.json `exports` to the build in dist/ (run `npm run build` first). Its exported names are pinned
 * here (PUBLIC_NAMES, at the end), so that a change of the public surface is a visible diff in review.
 */
import { createCdfSession, entra } from 'cdf-authflow';
import { type Emulator, startEmulator } from 'cdf-authflow/emulator';
import * as entry from 'cdf-authflow/node';
import { loginWithApiKey, loginWithClientCredentials } from 'cdf-authflow/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinnedNames } from '../helpers/entries.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ profile: 'entra' });
});
afterAll(() => emulator?.close());

describe('the cdf-authflow/node entry', () => {
  it('exports exactly these names, each of them defined', () => {
    pinnedNames(entry, PUBLIC_NAMES);
  });

  it('a service signs in with client credentials at Entra ID, and its session hands out a token CDF accepts', async () => {
    const options = {
      idp: entra({ tenant: emulator.tenantId ?? '', baseUrl: emulator.baseUrl, authority: emulator.idpOrigin }),
      baseUrl: emulator.baseUrl,
      clientId: emulator.clients.service.id,
      clientSecret: emulator.clients.service.secret,
      project: 'demo',
    };
    const signIn = await loginWithClientCredentials(options);
    expect(signIn.inspection.subject).toBe('service');
    expect(signIn.kind).toBe('oidc');
    const session = createCdfSession(signIn, options);
    try {
      const token = await session.getToken();
      expect(token).toBe(signIn.tokens.accessToken);
      const projects = await session.request('GET', 'api/v1/projects');
      expect(projects.status).toBe(200);
      expect(JSON.stringify(projects.body)).toContain('"demo"');
    } finally {
      await session.logout();
    }
  });

  it("an API key is verified at CDF and names the key's service account and project", async () => {
    const [key] = emulator.apiKeys;
    if (!key) throw new Error('the emulator starts with one API key');
    const identity = await loginWithApiKey({ baseUrl: emulator.baseUrl, apiKey: key.key, project: 'demo' });
    expect(identity).toMatchObject({ loggedIn: true, user: key.serviceAccount, project: 'demo' });
  });
});

/** Every name the entry exports, sorted (pinned by the first test above). */
const PUBLIC_NAMES = [
  'createFileCredentials',
  'createFileTokenStore',
  'defaultCacheDir',
  'defaultCredential',
  'fileCredentialKey',
  'headlessOpener',
  'loginWithApiKey',
  'loginWithAuthorizationCode',
  'loginWithClientCredentials',
  'loginWithDeviceCode',
  'loginWithLoginUrl',
  'printUrlOpener',
  'systemBrowserOpener',
];
