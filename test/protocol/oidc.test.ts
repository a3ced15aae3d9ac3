import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginWithAuthorizationCode, loginWithClientCredentials } from '../../src/drivers/node/oidc.js';
import type { Opener } from '../../src/drivers/node/opener.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { createOidcClient } from '../../src/protocol/oidc.js';

let emulator: Emulator;
const secret = 'a:b%c+d e';
beforeAll(async () => {
  emulator = await startEmulator({ serviceClientSecret: secret });
});
afterAll(() => emulator.close());

describe('OIDC protocol details', () => {
  it('RFC 7636 Appendix B: the S256 challenge of the known verifier, and no plain option', async () => {
    const idp = createOidcClient({ issuer: emulator.issuer, clientId: 'cli-native' });
    await idp.discover();
    const url = new URL(
      await idp.authorizationUrl({
        redirectUri: 'http://127.0.0.1:1/callback',
        scope: 'openid',
        state: 's',
        nonce: 'n',
        codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      }),
    );
    expect(url.searchParams.get('code_challenge')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.toString()).not.toContain('dBjftJeZ4CVP');
  });

  it('RFC 9700 2.1.1: state, nonce and verifier are new for every flow, even two in parallel', async () => {
    const urls: URL[] = [];
    const capture: Opener = async (url) => {
      urls.push(new URL(url));
      throw Object.assign(new Error('stop'), { code: 'cancelled', message: 'stop' });
    };
    const options = { issuer: emulator.issuer, clientId: 'cli-native', baseUrl: emulator.baseUrl, opener: capture };
    await Promise.allSettled([loginWithAuthorizationCode(options), loginWithAuthorizationCode(options)]);
    expect(urls).toHaveLength(2);
    for (const name of ['state', 'nonce', 'code_challenge', 'redirect_uri']) {
      expect(urls[0]?.searchParams.get(name)).not.toBe(urls[1]?.searchParams.get(name));
    }
    expect(urls[0]?.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('RFC 6749 2.3.1: client_secret_basic form-urlencodes a secret with ":", "%", "+" and a space', async () => {
    const result = await loginWithClientCredentials({
      issuer: emulator.issuer,
      clientId: 'service',
      clientSecret: secret,
      baseUrl: emulator.baseUrl,
      scope: 'api:read',
      resource: emulator.baseUrl,
    });
    expect(result.inspection.subject).toBe('service');
  });

  it('refuses plain http to an IdP that is not on loopback', async () => {
    const idp = createOidcClient({ issuer: 'http://idp.example.test', clientId: 'x', timeoutMs: 2_000 });
    await expect(idp.discover()).rejects.toMatchObject({ code: 'insecureEndpoint' });
  });
});
