/** Extra request parameters (Auth0's `audience`, `login_hint`): added to a request, never replacing the protocol's own. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcClient } from '../../src/protocol/oidc.js';
import { json, startFakeIdp } from '../helpers/fake-idp.js';

let idp: Awaited<ReturnType<typeof startFakeIdp>>;
beforeAll(async () => {
  idp = await startFakeIdp();
});
afterAll(() => idp.close());

const request = {
  redirectUri: 'http://127.0.0.1:1/callback',
  scope: 'openid',
  state: 'st',
  nonce: 'n',
  codeVerifier: 'v'.repeat(43),
};

describe('extra parameters', () => {
  it('go on the authorization URL beside the protocol parameters', async () => {
    const client = createOidcClient({ issuer: idp.issuer, clientId: 'cli' });
    const url = new URL(
      await client.authorizationUrl({ ...request, params: { audience: 'https://api', login_hint: 'ada' } }),
    );
    expect(url.searchParams.get('audience')).toBe('https://api');
    expect(url.searchParams.get('login_hint')).toBe('ada');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it.each([
    'scope',
    'state',
    'nonce',
    'redirect_uri',
    'code_challenge',
    'code_challenge_method',
    'client_id',
    'response_type',
  ])('cannot replace %s', async (name) => {
    const client = createOidcClient({ issuer: idp.issuer, clientId: 'cli' });
    // A mistake of the calling code: a TypeError with a code, never an `internal` error of the library.
    const refused = client.authorizationUrl({ ...request, params: { [name]: 'x' } });
    await expect(refused).rejects.toBeInstanceOf(TypeError);
    await expect(refused).rejects.toMatchObject({ name: 'InvalidArgumentError', code: 'invalidArgument' });
  });

  it('go in the body of the device and client-credentials requests; an empty scope is left out', async () => {
    const bodies: string[] = [];
    idp.on('/token', (_req, res, body) => {
      bodies.push(body);
      json(res, 200, { access_token: 'at', token_type: 'Bearer', expires_in: 60 });
    });
    idp.on('/device', (_req, res, body) => {
      bodies.push(body);
      json(res, 200, {
        device_code: 'dc-123456',
        user_code: 'U',
        verification_uri: 'http://127.0.0.1:1/d',
        expires_in: 60,
      });
    });
    const client = createOidcClient({ issuer: idp.issuer, clientId: 'svc', clientSecret: 'secret-123456' });
    await client.clientCredentials({ scope: '', params: { audience: 'https://api' } });
    await client.requestDeviceCode({ scope: 'openid', params: { audience: 'https://api' } });
    const [token, device] = bodies.map((body) => new URLSearchParams(body));
    expect(token?.get('audience')).toBe('https://api');
    expect(token?.has('scope')).toBe(false);
    expect(device?.get('audience')).toBe('https://api');
    await expect(client.clientCredentials({ scope: 'x', params: { grant_type: 'password' } })).rejects.toMatchObject({
      name: 'InvalidArgumentError',
      code: 'invalidArgument',
    });
  });
});
