import { afterAll, describe, expect, it } from 'vitest';
import { defaultCredential } from '../../src/drivers/node/default-credential.js';
import { startEmulator } from '../../src/emulator/index.js';
import { createFileTokenStore } from '../../src/stores/file-token-store.js';
import { entraLoginArgs, runCli } from '../helpers/cli.js';
import { eachFreshHome } from '../helpers/lifecycle.js';

const emulator = await startEmulator({ profile: 'entra' });
afterAll(() => emulator.close());

let home = '';
eachFreshHome('cdf-auth-chain-', (dir) => {
  home = dir;
});

const tokenUrl = () => `${emulator.idpOrigin}/${emulator.tenantId}/oauth2/v2.0/token`;
const ASSETS = 'api/v1/projects/demo/assets';

/** `cdf-auth login` with code + PKCE through the entra preset, as a person would have signed in before. */
const cliLogin = () =>
  runCli(
    home,
    entraLoginArgs(
      emulator,
      '--project',
      'demo',
      '--tenant',
      emulator.tenantId ?? '',
      '--client-id',
      emulator.clients.cli,
      '--flow',
      'code',
      '--headless',
    ),
  );

describe('defaultCredential', () => {
  it('a client secret in the environment means client credentials, the cluster scope asked for', async () => {
    const session = await defaultCredential({
      env: {
        CDF_URL: emulator.baseUrl,
        CDF_PROJECT: 'demo',
        IDP_CLIENT_ID: emulator.clients.service.id,
        IDP_CLIENT_SECRET: emulator.clients.service.secret,
        IDP_TOKEN_URL: tokenUrl(),
      },
      store: createFileTokenStore(home),
      interactive: false,
    });
    expect(session.kind).toBe('oidc');
    expect((await session.request('GET', ASSETS)).status).toBe(200);
  });

  it('without a secret, the login cdf-auth cached is used, and a refresh is written back to the cache', async () => {
    const login = await cliLogin();
    expect(login.code).toBe(0);
    const store = createFileTokenStore(home);
    const session = await defaultCredential({
      env: { CDF_URL: emulator.baseUrl, CDF_PROJECT: 'demo' },
      store,
      interactive: false,
    });
    expect((await session.request('GET', ASSETS)).status).toBe(200);
    const before = await store.read({ baseUrl: emulator.baseUrl, project: 'demo' });
    emulator.fault({ path: `/${ASSETS}`, status: 401 });
    expect((await session.request('GET', ASSETS)).status).toBe(200);
    await expect
      .poll(async () => {
        const after = await store.read({ baseUrl: emulator.baseUrl, project: 'demo' });
        return (
          after?.kind === 'oidc' && before?.kind === 'oidc' && after.tokens.accessToken !== before.tokens.accessToken
        );
      })
      .toBe(true);
  });

  it('two sessions over one cache (as two processes): a refresh both need happens once, under the cache lock', async () => {
    const login = await cliLogin();
    expect(login.code).toBe(0);
    const env = { CDF_URL: emulator.baseUrl, CDF_PROJECT: 'demo' };
    const [first, second] = await Promise.all([
      defaultCredential({ env, store: createFileTokenStore(home), interactive: false }),
      defaultCredential({ env, store: createFileTokenStore(home), interactive: false }),
    ]);
    const tokenPath = `/${emulator.tenantId}/oauth2/v2.0/token`;
    const before = emulator.idpRequests.filter((r) => r.path === tokenPath).length;
    emulator.fault({ path: `/${ASSETS}`, status: 401, times: 2 });
    const answers = await Promise.all([first.request('GET', ASSETS), second.request('GET', ASSETS)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    // oidc-provider rotates the refresh token: a second refresh with the old one would have been refused.
    expect(emulator.idpRequests.filter((r) => r.path === tokenPath).length - before).toBe(1);
  });

  it('with nothing to go on, one error lists what was looked for', async () => {
    await expect(
      defaultCredential({ env: { CDF_URL: emulator.baseUrl }, store: createFileTokenStore(home), interactive: false }),
    ).rejects.toMatchObject({
      code: 'notLoggedIn',
      message: expect.stringMatching(/IDP_CLIENT_SECRET.*cached login.*terminal/),
    });
    await expect(
      defaultCredential({ env: {}, store: createFileTokenStore(home), interactive: false }),
    ).rejects.toMatchObject({
      code: 'notLoggedIn',
      message: expect.stringContaining('CDF_CLUSTER'),
    });
  });
});
