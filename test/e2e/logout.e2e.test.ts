import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { createOidcClient } from '../../src/protocol/oidc.js';
import { createFileTokenStore } from '../../src/stores/file-token-store.js';
import { emulatorOidcArgs, entraLoginArgs, runCli } from '../helpers/cli.js';
import { eachFreshHome } from '../helpers/lifecycle.js';

let generic: Emulator;
let entraIdp: Emulator;
beforeAll(async () => {
  [generic, entraIdp] = await Promise.all([startEmulator(), startEmulator({ profile: 'entra' })]);
});
afterAll(() => Promise.all([generic.close(), entraIdp.close()]));

let home = '';
eachFreshHome('cdf-auth-logout-', (dir) => {
  home = dir;
});
const cli = (args: string[]) => runCli(home, args, { CDF_AUTHFLOW_HOME: home });

/** The cached refresh token, as a thief who copied the file before the logout has it. */
async function cachedRefreshToken(baseUrl: string): Promise<string> {
  const entry = await createFileTokenStore(home).read({ baseUrl, project: 'demo' });
  if (entry?.kind !== 'oidc' || !entry.tokens.refreshToken) throw new Error('no refresh token cached');
  return entry.tokens.refreshToken;
}

describe('cdf-auth logout of an OIDC login', () => {
  it('revokes the refresh token at an IdP that advertises revocation: a copy taken before no longer refreshes', async () => {
    const login = await cli([
      'login',
      ...emulatorOidcArgs(generic),
      '--project',
      'demo',
      '--flow',
      'authorization-code',
      '--headless',
    ]);
    expect(login.code).toBe(0);
    const copied = await cachedRefreshToken(generic.baseUrl);
    const idp = createOidcClient({ issuer: generic.issuer, clientId: generic.clients.cli });
    const logout = await cli(['logout']);
    expect(logout.code).toBe(0);
    expect(logout.out).toContain('the refresh token was revoked at the IdP');
    await expect(idp.refresh(copied)).rejects.toMatchObject({ code: 'invalidGrant' });
    expect(await createFileTokenStore(home).list()).toEqual([]);
  });

  it('at Entra ID, which offers no revocation, says the tokens stay valid until they expire, and still deletes them', async () => {
    const login = await cli(
      entraLoginArgs(
        entraIdp,
        '--project',
        'demo',
        '--tenant',
        entraIdp.tenantId ?? '',
        '--client-id',
        entraIdp.clients.cli,
        '--flow',
        'authorization-code',
        '--headless',
      ),
    );
    expect(login.code).toBe(0);
    const logout = await cli(['logout']);
    expect(logout.code).toBe(0);
    expect(logout.out).toContain('the IdP offers no token revocation');
    expect(await createFileTokenStore(home).list()).toEqual([]);
  });
});
