/**
 * What the OIDC client's options and its ID-token checks do at their edges: the retry limit reaching the
 * IdP fetch, plain http allowed only for an http loopback issuer, `none` and HS* never accepted, Bearer
 * only, the method hint naming only what the IdP offers, and the ID-token checks' claims and causes.
 */
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOidcClient, type OidcClientOptions } from '../../src/protocol/oidc.js';
import { failureOf } from '../helpers/failure.js';
import { json, startFakeIdp } from '../helpers/fake-idp.js';

let fake: Awaited<ReturnType<typeof startFakeIdp>> | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('the retry limit', () => {
  it.each([
    [0, 1],
    [1, 2],
  ])('retryLimit %i: a 503 token endpoint is asked %i time(s)', async (retryLimit, asked) => {
    fake = await startFakeIdp();
    fake.on('/token', (_req, res) => json(res, 503, { error: 'temporarily_unavailable' }, { 'retry-after': '0' }));
    const client = createOidcClient({ issuer: fake.issuer, clientId: 'cli', retryLimit });
    const error = await failureOf(client.refresh('rt-123456'));
    expect(error.code).toBe('http');
    expect(error.status).toBe(503);
    expect(fake.hits.get('/token')).toBe(asked);
  });
});

describe('an https issuer on a loopback address', () => {
  const issuer = 'https://127.0.0.1:9443';
  /** An IdP reached only through this fetch: discovery says `tokenEndpoint`, the token endpoint answers `tokenType`. */
  const through = (tokenEndpoint: string, tokenType = 'Bearer') =>
    createOidcClient({
      issuer,
      clientId: 'cli',
      fetch: async (input) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.endsWith('/.well-known/openid-configuration')) {
          return Response.json({ issuer, token_endpoint: tokenEndpoint });
        }
        return Response.json({ access_token: 'at', token_type: tokenType, expires_in: 60 });
      },
    });

  it('gets no exemption for plain http: an http token endpoint in its metadata is refused', async () => {
    const error = await failureOf(through('http://127.0.0.1:9443/token').refresh('rt-123456'));
    expect(error.code).toBe('insecureEndpoint');
  });

  it('a token that is not Bearer (DPoP) is refused; BEARER in any case is accepted', async () => {
    const error = await failureOf(through(`${issuer}/token`, 'DPoP').refresh('rt-123456'));
    expect(error.code).toBe('invalidResponse');
    expect(error.message).toBe('The token refresh: The IdP issued a token of type dpop, not Bearer.');
    expect((await through(`${issuer}/token`, 'BEARER').refresh('rt-123456')).tokenType).toBe('Bearer');
  });
});

describe('the method hint of a refused confidential client', () => {
  it('names no other method when the IdP offers only the one used', async () => {
    fake = await startFakeIdp({ metadata: () => ({ token_endpoint_auth_methods_supported: ['client_secret_basic'] }) });
    fake.on('/token', (_req, res) => res.writeHead(401).end());
    const client = createOidcClient({ issuer: fake.issuer, clientId: 'svc', clientSecret: 'the-secret-1' });
    const error = await failureOf(client.clientCredentials({ scope: 's' }));
    expect(error.code).toBe('clientRejected');
    expect(error.message).toMatch(/The client secret was sent by client_secret_basic\.$/);
    expect(error.message).not.toContain('also offers');
  });
});

describe('an Entra ID multi-tenant authority', () => {
  it('refuses an ID token whose tid is a list holding a tenant id, not a tenant id', async () => {
    const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    fake = await startFakeIdp({ metadata: (issuer) => ({ issuer: `${issuer}/{tenantid}/v2.0` }) });
    const client = createOidcClient({ issuer: `${fake.issuer}/common/v2.0`, clientId: 'cli' });
    const token = await fake.sign({ iss: `${fake.issuer}/${TID}/v2.0`, tid: [TID] });
    expect((await failureOf(client.validateIdToken(token, {}))).code).toBe('idTokenInvalid');
  });
});

describe('ID-token checks', () => {
  const issuer = 'http://127.0.0.1:4';
  let key: CryptoKey;
  let jwk: object;
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    key = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  });

  /** A client of an IdP reached only through its fetch; `jwks` answers the JWKS request. */
  const idp = (options: Partial<OidcClientOptions> & { jwks?: () => Response } = {}) =>
    createOidcClient({
      issuer,
      clientId: 'cli',
      jwksCooldownMs: 0,
      ...options,
      fetch: async (input) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.endsWith('/.well-known/openid-configuration')) {
          return Response.json({ issuer, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` });
        }
        return options.jwks?.() ?? Response.json({ keys: [jwk] });
      },
    });
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (extra: JWTPayload = {}) => ({
    iss: issuer,
    sub: 'alice',
    aud: 'cli',
    iat: now(),
    exp: now() + 300,
    ...extra,
  });
  const sign = (extra: JWTPayload = {}) =>
    new SignJWT(claims(extra)).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(key);

  it('HS256 and none are never accepted, even when listed in idTokenAlgorithms', async () => {
    const hs256 = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32).fill(7));
    const client = idp({ idTokenAlgorithms: ['HS256', 'none', 'RS256'] });
    const error = await failureOf(client.validateIdToken(hs256, {}));
    expect(error.code).toBe('idTokenInvalid');
    expect(error.message).toBe('The ID token did not verify (algorithm not allowed); sign in again.');
    expect((await client.validateIdToken(await sign(), {})).sub).toBe('alice');
  });

  it('a signature that does not verify keeps what jose said as the cause', async () => {
    const token = await sign();
    const [header, payload] = token.split('.');
    const tampered = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    const error = await failureOf(idp().validateIdToken(tampered, {}));
    expect(error.message).toBe('The ID token did not verify (bad signature); sign in again.');
    expect((error.cause as { code?: string } | undefined)?.code).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  it('a JWKS the IdP cannot serve: not verifiable (not "malformed")', async () => {
    const error = await failureOf(
      idp({ jwks: () => new Response('down', { status: 500 }) }).validateIdToken(await sign(), {}),
    );
    expect(error.code).toBe('idTokenInvalid');
    expect(error.message).toBe('The ID token did not verify (not verifiable); sign in again.');
  });

  it('a check of its own (the nonce) fails without a cause', async () => {
    const error = await failureOf(idp().validateIdToken(await sign({ nonce: 'other' }), { nonce: 'n' }));
    expect(error.message).toBe('The ID token nonce does not match this sign-in.');
    expect('cause' in error).toBe(false);
  });

  it('an email that is not text is left out of the claims', async () => {
    expect(await idp().validateIdToken(await sign({ email: 42, name: 'Alice' }), {})).toEqual({
      iss: issuer,
      sub: 'alice',
      aud: 'cli',
      name: 'Alice',
    });
  });

  it('a refreshed ID token is refused when the original names another issuer', async () => {
    const error = await failureOf(
      idp().validateIdToken(await sign(), { original: { iss: 'http://127.0.0.1:5', sub: 'alice', aud: 'cli' } }),
    );
    expect(error.message).toBe('The refreshed ID token names another issuer, subject or audience.');
    expect(
      (await idp().validateIdToken(await sign(), { original: { iss: issuer, sub: 'alice', aud: 'cli' } })).sub,
    ).toBe('alice');
  });

  it('an unknown kid fetches the JWKS again once jwksCooldownMs has passed since the last fetch', async () => {
    const rotated = await generateKeyPair('RS256', { extractable: true });
    const rotatedJwk = { ...(await exportJWK(rotated.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' };
    let keys = [jwk];
    let fetches = 0;
    const client = idp({
      jwksCooldownMs: 50,
      jwks: () => {
        fetches += 1;
        return Response.json({ keys });
      },
    });
    expect((await client.validateIdToken(await sign(), {})).sub).toBe('alice');
    keys = [jwk, rotatedJwk];
    await new Promise((resolve) => setTimeout(resolve, 200));
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'k2' }).sign(rotated.privateKey);
    expect((await client.validateIdToken(token, {})).sub).toBe('alice');
    expect(fetches).toBe(2);
  });

  it('the JWKS is fetched once per IdP in a process: a second client (a second sign-in) reuses the keys', async () => {
    let fetches = 0;
    const fetch: typeof globalThis.fetch = async (input) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.endsWith('/.well-known/openid-configuration')) {
        return Response.json({ issuer, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks-shared` });
      }
      fetches += 1;
      return Response.json({ keys: [jwk] });
    };
    for (let signIn = 0; signIn < 3; signIn += 1) {
      const client = createOidcClient({ issuer, clientId: 'cli', fetch });
      expect((await client.validateIdToken(await sign(), {})).sub).toBe('alice');
    }
    expect(fetches).toBe(1);
    // Another way of fetching (another fetch) is another cache entry: no client reads keys it did not ask for.
    const other = createOidcClient({ issuer, clientId: 'cli', fetch: (input, init) => fetch(input, init) });
    expect((await other.validateIdToken(await sign(), {})).sub).toBe('alice');
    expect(fetches).toBe(2);
  });

  it('an iat exactly the clock skew ahead is accepted; one second more is refused', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-06-01T12:00:00.000Z'));
      const client = idp({ clockSkewMs: 60_000 });
      expect((await client.validateIdToken(await sign({ iat: now() + 60 }), {})).sub).toBe('alice');
      const error = await failureOf(client.validateIdToken(await sign({ iat: now() + 61 }), {}));
      expect(error.message).toBe('The ID token was issued in the future (iat); check the clock, then sign in again.');
    } finally {
      vi.useRealTimers();
    }
  });
});
