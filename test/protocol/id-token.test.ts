/** ID-token validation and the token endpoint's failure mapping, on generated keys and an injected fetch. */
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAuthFlowError } from '../../src/errors/auth-flow-error.js';
import { escapeHtml } from '../../src/protocol/html.js';
import { legacyExpiry } from '../../src/protocol/legacy.js';
import { createOidcClient, type OidcClientOptions } from '../../src/protocol/oidc.js';

const issuer = 'http://127.0.0.1:4';
let key: CryptoKey;
let jwk: object;
beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  key = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
});

const metadata = (extra: object = {}) => ({
  issuer,
  authorization_endpoint: `${issuer}/auth`,
  token_endpoint: `${issuer}/token`,
  jwks_uri: `${issuer}/jwks`,
  ...extra,
});
const idp = (
  options: Partial<OidcClientOptions> & { meta?: object; token?: () => Response | Promise<Response> } = {},
) =>
  createOidcClient({
    issuer,
    clientId: 'cli',
    jwksCooldownMs: 0,
    ...options,
    fetch: async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.endsWith('/.well-known/openid-configuration')) return Response.json(metadata(options.meta));
      if (url.endsWith('/jwks')) return Response.json({ keys: [jwk] });
      const token = options.token ?? ((_signal?: AbortSignal) => new Response(null, { status: 500 }));
      return token(init?.signal ?? undefined);
    },
  });
const now = () => Math.floor(Date.now() / 1000);
const sign = (claims: JWTPayload, header: object = {}) =>
  new SignJWT({ iss: issuer, sub: 'alice', aud: 'cli', iat: now(), exp: now() + 300, nonce: 'n', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header })
    .sign(key);
const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (isAuthFlowError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
};

describe('ID-token validation', () => {
  it('accepts a good token and keeps iss, sub, aud, name and email', async () => {
    const claims = await idp().validateIdToken(await sign({ name: 'Alice', email: 'a@x' }), { nonce: 'n' });
    expect(claims).toEqual({ iss: issuer, sub: 'alice', aud: 'cli', name: 'Alice', email: 'a@x' });
    expect(await idp().validateIdToken(await sign({ name: 5 }), { nonce: null })).toEqual({
      iss: issuer,
      sub: 'alice',
      aud: 'cli',
    });
  });

  it('checks azp when there are several audiences', async () => {
    expect(await failure(idp().validateIdToken(await sign({ aud: ['cli', 'x'] }), {}))).toMatchObject({
      code: 'idTokenInvalid',
      message: expect.stringContaining('azp'),
    });
    expect((await idp().validateIdToken(await sign({ aud: ['cli', 'x'], azp: 'cli' }), {})).aud).toEqual(['cli', 'x']);
  });

  it('compares the nonce only when one was sent', async () => {
    expect(await failure(idp().validateIdToken(await sign({ nonce: 'other' }), { nonce: 'n' }))).toMatchObject({
      message: expect.stringContaining('nonce'),
    });
    expect((await idp().validateIdToken(await sign({ nonce: 'other' }), { nonce: null })).sub).toBe('alice');
  });

  it.each([[{ iss: issuer, sub: 'bob', aud: 'cli' }], [{ iss: issuer, sub: 'alice', aud: ['cli', 'x'] }]])(
    'refuses a refreshed ID token whose subject or audience changed (%o)',
    async (original) => {
      expect(await failure(idp().validateIdToken(await sign({}), { original }))).toMatchObject({
        message: expect.stringContaining('another issuer, subject or audience'),
      });
    },
  );

  it('accepts a refreshed ID token that keeps iss, sub and aud', async () => {
    expect(
      (await idp().validateIdToken(await sign({}), { original: { iss: issuer, sub: 'alice', aud: 'cli' } })).sub,
    ).toBe('alice');
  });

  it.each<[string, () => Promise<string>, string]>([
    ['expired', () => sign({ exp: now() - 600, iat: now() - 900 }), 'expired'],
    ['a wrong issuer', () => sign({ iss: 'http://127.0.0.1:5' }), 'claim iss is wrong'],
    ['no iat', () => sign({ iat: undefined }), 'claim iat is wrong'],
    ['a bad signature', async () => `${(await sign({})).slice(0, -4)}AAAA`, 'bad signature'],
    ['an unknown key', () => sign({}, { kid: 'k9' }), 'no matching key'],
    [
      'HS256',
      async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32)),
      'algorithm not allowed',
    ],
    ['garbage', async () => 'not.a.jwt', 'malformed'],
  ])('says why a token with %s did not verify', async (_name, token, reason) => {
    expect(await failure(idp().validateIdToken(await token(), {}))).toEqual({
      code: 'idTokenInvalid',
      message: `The ID token did not verify (${reason}); sign in again.`,
    });
  });

  it('honours the clock skew setting, and refuses an IdP without jwks_uri', async () => {
    const slightlyExpired = await sign({ exp: now() - 30, iat: now() - 300 });
    expect((await idp().validateIdToken(slightlyExpired, {})).sub).toBe('alice');
    expect(await failure(idp({ clockSkewMs: 5_000 }).validateIdToken(slightlyExpired, {}))).toMatchObject({
      code: 'idTokenInvalid',
    });
    expect(await failure(idp({ meta: { jwks_uri: undefined } }).validateIdToken(slightlyExpired, {}))).toMatchObject({
      message: 'The IdP publishes no jwks_uri.',
    });
  });

  it('allows ES256 only when asked, never none or HS*', async () => {
    const es = await generateKeyPair('ES256', { extractable: true });
    const esJwk = { ...(await exportJWK(es.publicKey)), kid: 'e1', alg: 'ES256' };
    const client = (algorithms: string[]) =>
      createOidcClient({
        issuer,
        clientId: 'cli',
        idTokenAlgorithms: algorithms,
        fetch: async (input) =>
          String(input).endsWith('/jwks') ? Response.json({ keys: [esJwk] }) : Response.json(metadata()),
      });
    const token = await new SignJWT({ iss: issuer, sub: 's', aud: 'cli', iat: now(), exp: now() + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: 'e1' })
      .sign(es.privateKey);
    expect((await client(['ES256', 'none', 'HS256']).validateIdToken(token, {})).sub).toBe('s');
    expect(await failure(client(['RS256']).validateIdToken(token, {}))).toMatchObject({
      message: expect.stringContaining('algorithm not allowed'),
    });
  });
});

describe('the authorization request and the code exchange', () => {
  it('builds the URL with prompt when asked, and refuses an IdP without an authorization endpoint', async () => {
    const url = new URL(
      await idp().authorizationUrl({
        redirectUri: 'http://127.0.0.1:1/cb',
        scope: 'openid',
        state: 's',
        nonce: 'n',
        codeVerifier: 'v'.repeat(43),
        prompt: 'login',
      }),
    );
    expect(url.searchParams.get('prompt')).toBe('login');
    expect(url.origin + url.pathname).toBe(`${issuer}/auth`);
    expect(
      await failure(
        idp({ meta: { authorization_endpoint: undefined } }).authorizationUrl({
          redirectUri: 'x',
          scope: 's',
          state: 's',
          nonce: 'n',
          codeVerifier: 'v'.repeat(43),
        }),
      ),
    ).toMatchObject({
      code: 'invalidResponse',
    });
  });

  const exchange = (client: ReturnType<typeof idp>, callbackUrl: string, signal?: AbortSignal) =>
    client.exchangeCode(
      { callbackUrl, redirectUri: 'http://127.0.0.1:1/cb', state: 's', codeVerifier: 'v'.repeat(43), nonce: 'n' },
      signal,
    );

  it('redeems a code and checks the ID token claims', async () => {
    const client = idp({
      token: async () =>
        Response.json({ access_token: 'a', token_type: 'Bearer', expires_in: 60, id_token: await sign({}) }),
    });
    expect(await exchange(client, 'http://127.0.0.1:1/cb?code=c&state=s')).toMatchObject({
      accessToken: 'a',
      tokenType: 'Bearer',
    });
  });

  it.each<[string, string, string]>([
    ['an error response', 'http://127.0.0.1:1/cb?error=access_denied&state=s', 'accessDenied'],
    ['another error response', 'http://127.0.0.1:1/cb?error=server_error&state=s', 'idpError'],
    [
      'a foreign state (the machine refuses it first; this is the second line)',
      'http://127.0.0.1:1/cb?code=c&state=x',
      'invalidResponse',
    ],
  ])('maps %s', async (_name, url, code) => {
    expect((await failure(exchange(idp(), url))).code).toBe(code);
  });

  it('maps a token answer without an ID token, a network failure, a cancel and a timeout', async () => {
    const noId = idp({ token: () => Response.json({ access_token: 'a', token_type: 'Bearer' }) });
    expect((await failure(exchange(noId, 'http://127.0.0.1:1/cb?code=c&state=s'))).code).toBe('invalidResponse');
    const down = idp({
      token: () => {
        throw new TypeError('fetch failed');
      },
    });
    expect(await failure(exchange(down, 'http://127.0.0.1:1/cb?code=c&state=s'))).toMatchObject({
      code: 'network',
      message: 'The code exchange could not reach the IdP.',
    });
    const hanging = (signal?: AbortSignal) =>
      new Promise<Response>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    const abort = new AbortController();
    const pending = failure(exchange(idp({ token: hanging }), 'http://127.0.0.1:1/cb?code=c&state=s', abort.signal));
    setTimeout(() => abort.abort(), 20);
    expect(await pending).toMatchObject({ code: 'cancelled', message: 'The code exchange was cancelled.' });
    expect(
      await failure(exchange(idp({ timeoutMs: 100, token: hanging }), 'http://127.0.0.1:1/cb?code=c&state=s')),
    ).toMatchObject({
      code: 'timeout',
      message: 'The code exchange got no answer in time.',
    });
  });
});

describe('small helpers', () => {
  it('reads the expiry of a legacy ID token: expire_time first, then exp', async () => {
    const unsigned = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.x`;
    expect(legacyExpiry(unsigned({ expire_time: 10, exp: 20 }))).toBe(10_000);
    expect(legacyExpiry(unsigned({ exp: 20 }))).toBe(20_000);
    expect(legacyExpiry(unsigned({ exp: 'soon' }))).toBeNull();
    expect(legacyExpiry(unsigned({ expire_time: Number.POSITIVE_INFINITY }))).toBeNull();
    expect(legacyExpiry('garbage')).toBeNull();
  });

  it('escapes HTML', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#60;/a&#62;',
    );
  });
});
