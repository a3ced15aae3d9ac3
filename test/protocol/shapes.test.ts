/**
 * Exact answers to odd server bodies, table-driven over an injected fetch (a stub is fine inside a unit
 * test of one parser): each row is a body a server might send and what the client must make of it.
 */
import { describe, expect, it } from 'vitest';
import { isAuthFlowError } from '../../src/errors/auth-flow-error.js';
import { createCdfClient } from '../../src/protocol/cdf.js';
import { legacyExpiry } from '../../src/protocol/legacy.js';
import { createOidcClient } from '../../src/protocol/oidc.js';
import { REDACTED, redact, redactText } from '../../src/protocol/redact.js';

type Row = [status: number, body: unknown, expected: unknown];
const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers },
  });
const cdfWith = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  createCdfClient({ baseUrl: 'http://127.0.0.1:1/', retryLimit: 0, fetch: async () => answer(status, body, headers) });
const outcome = async (promise: Promise<unknown>) => {
  try {
    return { value: await promise };
  } catch (error) {
    if (!isAuthFlowError(error)) throw error;
    return { code: error.code, message: error.message, status: error.status };
  }
};
const bad = { code: 'invalidResponse' };
const notLoggedIn = { loggedIn: false, user: '', project: '', projectId: -1, apiKeyId: null };

describe('CDF bodies, exactly', () => {
  it.each<Row>([
    [
      200,
      { data: { loggedIn: true, user: 'u', project: 'p', projectId: 7, apiKeyId: 3 } },
      { value: { loggedIn: true, user: 'u', project: 'p', projectId: 7, apiKeyId: 3 } },
    ],
    [
      200,
      { data: { loggedIn: true, user: 'u', project: 'p' } },
      { value: { loggedIn: true, user: 'u', project: 'p', projectId: -1, apiKeyId: null } },
    ],
    [200, { data: { loggedIn: false, user: 'x', project: 'y', projectId: 4 } }, { value: notLoggedIn }],
    [401, { error: { code: 401, message: 'no' } }, { value: notLoggedIn }],
    [200, { data: { loggedIn: true, user: 5, project: 'p' } }, bad],
    [200, { data: { loggedIn: true, user: 'u', project: null } }, bad],
    [200, { data: { loggedIn: 'yes' } }, bad],
    [200, { data: [] }, bad],
    [200, { data: null }, bad],
    [200, {}, bad],
  ])('/login/status %i %j', async (status, body, expected) => {
    expect(await outcome(cdfWith(status, body).getLoginStatus({ apiKey: 'k' }))).toMatchObject(expected as object);
  });

  it.each<Row>([
    [200, { data: { url: 'https://idp/x' } }, { value: 'https://idp/x' }],
    [200, { data: { url: 'http://idp/x' } }, { value: 'http://idp/x' }],
    [200, { data: { url: '' } }, { value: null }],
    [200, { data: { url: null } }, { value: null }],
    [200, { data: {} }, { value: null }],
    [200, { data: { url: 'ftp://idp/x' } }, bad],
    [200, { data: { url: 'not a url' } }, bad],
    [200, { data: { url: 5 } }, bad],
    [200, { url: 'https://idp/x' }, bad],
  ])('/login/url %i %j', async (status, body, expected) => {
    expect(await outcome(cdfWith(status, body).getLoginUrl({ project: 'p', redirectUrl: 'http://a/b' }))).toMatchObject(
      expected as object,
    );
  });

  it.each<Row>([
    [200, { data: { valid: true, expired: false } }, { value: { valid: true, expired: false } }],
    [200, { data: { valid: false, expired: true, token: 'x' } }, { value: { valid: false, expired: true } }],
    [200, { data: { valid: true } }, bad],
    [200, { data: { expired: false } }, bad],
    [200, { data: { valid: true, expired: 'no' } }, bad],
  ])('/login/token %i %j', async (status, body, expected) => {
    expect(await outcome(cdfWith(status, body).getTokenStatus('t'))).toMatchObject(expected as object);
  });

  it.each<Row>([
    [200, { data: { url: 'https://idp/logout' } }, { value: 'https://idp/logout' }],
    [401, { error: { code: 401, message: 'no' } }, { value: null }],
    [200, { data: { url: 'javascript:alert(1)' } }, bad],
    [200, { data: {} }, bad],
    [403, { error: { code: 403, message: 'no' } }, { code: 'http', status: 403 }],
  ])('/logout/url %i %j', async (status, body, expected) => {
    expect(await outcome(cdfWith(status, body).getLogoutUrl({ accessToken: 't' }, 'http://a/b'))).toMatchObject(
      expected as object,
    );
  });

  it.each<Row>([
    [200, { data: { loggedIn: false, user: '', project: '' } }, { value: notLoggedIn }],
    [401, { error: { code: 401, message: 'no' } }, { value: notLoggedIn }],
    [200, { data: {} }, bad],
  ])('/logout %i %j', async (status, body, expected) => {
    expect(await outcome(cdfWith(status, body).logout({ accessToken: 't' }))).toMatchObject(expected as object);
  });

  const project = { projectUrlName: 'demo', groups: [1, 2] };
  it.each<Row>([
    [
      200,
      { subject: 's', projects: [project], capabilities: [] },
      { value: { subject: 's', projects: [project], capabilities: [] } },
    ],
    [200, { projects: [project], capabilities: [] }, bad],
    [200, { subject: 's', projects: {}, capabilities: [] }, bad],
    [200, { subject: 's', projects: [project, { projectUrlName: 5, groups: [] }], capabilities: [] }, bad],
    [200, { subject: 's', projects: [project, { projectUrlName: 'x', groups: 'no' }], capabilities: [] }, bad],
    [200, { subject: 's', projects: [{ projectUrlName: 'x', groups: [1, 'two'] }], capabilities: [] }, bad],
    [200, { subject: 's', projects: [null], capabilities: [] }, bad],
    [200, { subject: 's', projects: [] }, bad],
  ])('/api/v1/token/inspect %i %j', async (status, body, expected) => {
    expect(await outcome(cdfWith(status, body).inspectToken('t'))).toMatchObject(expected as object);
  });

  it.each<Row>([
    [500, '<html>oops</html>', { code: 'http', status: 500, message: 'CDF /login/token answered HTTP 500.' }],
    [
      400,
      { error: 'plain text error' },
      { code: 'http', message: 'CDF /login/token answered HTTP 400: plain text error.' },
    ],
    [
      400,
      { error_description: 'described' },
      { code: 'http', message: 'CDF /login/token answered HTTP 400: described.' },
    ],
    [400, { error: { code: 400, message: 5 } }, { code: 'http', message: 'CDF /login/token answered HTTP 400.' }],
    [400, [1, 2], { code: 'http', message: 'CDF /login/token answered HTTP 400.' }],
    [200, '<html>login</html>', { code: 'invalidResponse', message: expect.stringContaining('(text/html)') }],
  ])('errors %i %j', async (status, body, expected) => {
    expect(await outcome(cdfWith(status, body).getTokenStatus('t'))).toMatchObject(expected as object);
  });

  it('refuses a declared body over the cap without reading it, and says which request it was', async () => {
    const cdf = createCdfClient({
      baseUrl: 'http://127.0.0.1:1',
      maxBodyBytes: 10,
      fetch: async () => answer(200, { data: { valid: true, expired: false } }, { 'content-length': '11' }),
    });
    expect(await outcome(cdf.getTokenStatus('t'))).toMatchObject({
      code: 'invalidResponse',
      message: expect.stringContaining('over 10 bytes'),
    });
    const exact = createCdfClient({
      baseUrl: 'http://127.0.0.1:1',
      maxBodyBytes: 39,
      fetch: async () => answer(200, { data: { valid: true, expired: false } }),
    });
    expect(await outcome(exact.getTokenStatus('t'))).toEqual({ value: { valid: true, expired: false } });
  });

  it('normalises the base URL, refuses other schemes, and builds /login/redirect with the parameters in order', () => {
    const cdf = createCdfClient({ baseUrl: 'https://api.example.test/base//' });
    expect(cdf.baseUrl).toBe('https://api.example.test/base');
    expect(cdf.loginRedirectUrl({ project: 'p', redirectUrl: 'https://a/b', errorRedirectUrl: 'https://a/e' })).toBe(
      'https://api.example.test/base/login/redirect?errorRedirectUrl=https%3A%2F%2Fa%2Fe&project=p&redirectUrl=https%3A%2F%2Fa%2Fb',
    );
    expect(cdf.loginRedirectUrl({ project: 'p', redirectUrl: 'https://a/b' })).toBe(
      'https://api.example.test/base/login/redirect?project=p&redirectUrl=https%3A%2F%2Fa%2Fb',
    );
    expect(() => createCdfClient({ baseUrl: 'ftp://x' })).toThrow(/http/);
  });

  it('scrubs the token from a server message that echoes it, and names the network cause', async () => {
    const echo = cdfWith(400, { error: { code: 400, message: 'bad token tok-123456' } });
    const failure = await outcome(echo.getTokenStatus('tok-123456'));
    expect(failure).toMatchObject({ message: `CDF /login/token answered HTTP 400: bad token ${REDACTED}.` });
    const refused = createCdfClient({
      baseUrl: 'http://127.0.0.1:1',
      retryLimit: 0,
      fetch: async () => {
        throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
      },
    });
    expect(await outcome(refused.getTokenStatus('t'))).toMatchObject({
      code: 'network',
      message: expect.stringContaining('(nothing listens on that port)'),
    });
  });
});

describe('IdP answers, exactly', () => {
  const issuer = 'http://127.0.0.1:3';
  const idpWith = (token: () => Response, metadata: object = {}) =>
    createOidcClient({
      issuer,
      clientId: 'cli',
      clientSecret: 'sec-ret-value',
      defaultExpiresInMs: 100_000,
      fetch: async (input) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.endsWith('/.well-known/openid-configuration')) {
          return Response.json({
            issuer,
            token_endpoint: `${issuer}/token`,
            device_authorization_endpoint: `${issuer}/device`,
            jwks_uri: `${issuer}/jwks`,
            ...metadata,
          });
        }
        return token();
      },
    });
  const oauthError =
    (error: string, status = 400) =>
    () =>
      Response.json({ error, error_description: 'd' }, { status });

  it.each([
    ['authorization_pending', { kind: 'pending' }],
    ['slow_down', { kind: 'slowDown' }],
    ['access_denied', { kind: 'denied' }],
    ['expired_token', { kind: 'expired' }],
  ])('maps a device poll answer of %s', async (error, expected) => {
    expect(await idpWith(oauthError(error)).pollDeviceCode('dc')).toEqual(expected);
  });

  it.each([
    ['invalid_grant', 'invalidGrant'],
    ['invalid_client', 'clientRejected'],
    ['unauthorized_client', 'clientRejected'],
    ['access_denied', 'accessDenied'],
    ['expired_token', 'expiredToken'],
    ['server_error', 'idpError'],
  ])('maps a token error %s to %s, never showing the client secret', async (error, code) => {
    const failure = await outcome(idpWith(oauthError(error)).refresh('rt'));
    expect(failure).toMatchObject({ code, status: 400, message: expect.stringContaining(error) });
    expect(JSON.stringify(failure)).not.toContain('sec-ret-value');
  });

  it('maps a 401 WWW-Authenticate challenge to clientRejected', async () => {
    const challenge = () =>
      new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic error="invalid_client", realm="x"' } });
    expect(await outcome(idpWith(challenge).clientCredentials({ scope: 's' }))).toMatchObject({
      code: 'clientRejected',
      status: 401,
    });
  });

  it('normalises a token answer: Bearer in any case, a default lifetime, the requested scope when none is given', async () => {
    const before = Date.now();
    const tokens = await idpWith(() => Response.json({ access_token: 'a', token_type: 'bEaReR' })).clientCredentials({
      scope: 'x y',
    });
    expect(tokens).toMatchObject({ accessToken: 'a', tokenType: 'Bearer', scope: 'x y' });
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(before + 100_000);
    expect(tokens.expiresAt).toBeLessThan(before + 110_000);
    const rotated = await idpWith(() =>
      Response.json({ access_token: 'a', token_type: 'Bearer', expires_in: 5, refresh_token: 'r2', scope: 'z' }),
    ).refresh('r1');
    expect(rotated).toMatchObject({ refreshToken: 'r2', scope: 'z' });
    expect(rotated.expiresAt).toBeLessThan(Date.now() + 6_000);
    expect(
      await outcome(idpWith(() => Response.json({ access_token: 'a', token_type: 'mac' })).refresh('r')),
    ).toMatchObject({
      code: 'invalidResponse',
    });
  });

  it('normalises a device authorization answer, with and without interval', async () => {
    const answerWith = (extra: object) => () =>
      Response.json({ device_code: 'dc', user_code: 'U', verification_uri: 'https://v', expires_in: 60, ...extra });
    expect(await idpWith(answerWith({})).requestDeviceCode({ scope: 's' })).toEqual({
      deviceCode: 'dc',
      userCode: 'U',
      verificationUri: 'https://v',
      expiresIn: 60,
    });
    expect(
      await idpWith(answerWith({ interval: 7, verification_uri_complete: 'https://v?u' })).requestDeviceCode({
        scope: 's',
      }),
    ).toMatchObject({
      interval: 7,
      verificationUriComplete: 'https://v?u',
    });
  });

  it('reports the IdP metadata as the machines need it', async () => {
    expect(
      await idpWith(() => new Response(), {
        authorization_response_iss_parameter_supported: true,
        code_challenge_methods_supported: ['plain', 'S256'],
      }).discover(),
    ).toEqual({
      issuer,
      issParameterSupported: true,
      s256Supported: true,
    });
    // No list at all (Entra ID) is not a refusal; a list without S256 is.
    expect(await idpWith(() => new Response()).discover()).toEqual({
      issuer,
      issParameterSupported: false,
      s256Supported: true,
    });
    expect(
      await idpWith(() => new Response(), { code_challenge_methods_supported: ['plain'] }).discover(),
    ).toMatchObject({ s256Supported: false });
  });
});

describe('redaction, key by key', () => {
  it.each([
    'access_token',
    'id_token',
    'refresh_token',
    'refreshToken',
    'client_secret',
    'clientSecret',
    'code_verifier',
    'codeVerifier',
    'password',
    'cookie',
    'device_code',
    'deviceCode',
    'nonce',
    'apiKey',
    'api_key',
    'Authorization',
    'state',
    'authorization_code',
  ])('redacts %s', (key) => {
    expect(redact({ [key]: 'value' })).toEqual({ [key]: REDACTED });
  });

  it.each(['user', 'project', 'status', 'tokenType', 'expiresAt', 'message', 'kind'])('keeps %s', (key) => {
    expect(redact({ [key]: 'value' })).toEqual({ [key]: 'value' });
  });

  it('keeps stable failure codes and library codes, hides OAuth codes', () => {
    expect(redact({ code: 'timeout' })).toEqual({ code: 'timeout' });
    expect(redact({ code: 'OAUTH_RESPONSE_BODY_ERROR' })).toEqual({ code: 'OAUTH_RESPONSE_BODY_ERROR' });
    expect(redact({ code: 'Xy7_auth-code' })).toEqual({ code: REDACTED });
    expect(redact({ code: 401, token: '' })).toEqual({ code: 401, token: '' });
  });

  it.each([
    ['?refresh_token=abc&x=1', `?refresh_token=${REDACTED}&x=1`],
    ['&client_secret=abc', `&client_secret=${REDACTED}`],
    ['#access_token=abc', `#access_token=${REDACTED}`],
    ['?api-key=abc', `?api-key=${REDACTED}`],
    ['?device_code=abc', `?device_code=${REDACTED}`],
    ['?token=abc', `?token=${REDACTED}`],
    ['?CODE=abc', `?CODE=${REDACTED}`],
    ['?state=abc', `?state=${REDACTED}`],
    ['?nonce=abc', `?nonce=${REDACTED}`],
    ['eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.sig', REDACTED],
    ['eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.', REDACTED],
  ])('redacts text %s', (text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  it('drops functions and bounds depth', () => {
    expect(redact({ f: () => 1, n: 1 })).toEqual({ f: undefined, n: 1 });
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 20; i += 1) deep = { deep };
    expect(JSON.stringify(redact(deep))).toContain('[…]');
    const error = Object.assign(new Error('m'), { code: 'timeout' });
    expect(redact(error)).toEqual({ name: 'Error', code: 'timeout', message: 'm' });
  });
});

describe('edges of redaction and of HTTP failures', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';

  it('redacts inside arrays and top-level strings, passes other primitives through', () => {
    expect(redact({ list: [jwt, 'plain'] })).toEqual({ list: [REDACTED, 'plain'] });
    expect(redact(`see ${jwt}`)).toBe(`see ${REDACTED}`);
    expect(redact(5)).toBe(5);
    expect(redact(null)).toBeNull();
    expect(redact(true)).toBe(true);
  });

  it('reduces an error without a code to name and message only', () => {
    expect(redact(new Error('m'))).toStrictEqual({ name: 'Error', message: 'm' });
  });

  it('keeps only whole upper-case library codes', () => {
    expect(redact({ code: 'xOAUTH_CODE' })).toEqual({ code: REDACTED });
    expect(redact({ code: 'OAUTH_CODEx' })).toEqual({ code: REDACTED });
  });

  it('walks twelve levels deep and no further', () => {
    let twelve: unknown = { secretless: 'leaf' };
    for (let i = 0; i < 11; i += 1) twelve = { next: twelve };
    expect(JSON.stringify(redact(twelve))).toContain('leaf');
    expect(JSON.stringify(redact({ more: twelve }))).toContain('leaf');
    expect(JSON.stringify(redact({ a: { more: twelve } }))).not.toContain('leaf');
  });

  it('scrubs an echoed secret of four characters', async () => {
    const echo = cdfWith(400, { error: { code: 400, message: 'bad key abcd' } });
    expect(await outcome(echo.getLoginStatus({ apiKey: 'abcd' }))).toMatchObject({
      message: expect.not.stringContaining('abcd'),
    });
  });

  it('names what the network layer threw, with or without a cause', async () => {
    const throwing = (thrown: unknown) =>
      createCdfClient({
        baseUrl: 'http://127.0.0.1:1',
        retryLimit: 0,
        fetch: async () => {
          throw thrown;
        },
      }).getTokenStatus('t');
    expect(await outcome(throwing(new TypeError('boom')))).toMatchObject({
      code: 'network',
      message: 'CDF /login/token failed: could not reach http://127.0.0.1:1 (boom). Check the URL and the network.',
    });
    expect(await outcome(throwing('weird'))).toMatchObject({
      code: 'network',
      message: expect.stringContaining('(weird).'),
    });
  });

  it('treats a body-less answer as empty, and a JSON null error body as no message', async () => {
    const empty = createCdfClient({
      baseUrl: 'http://127.0.0.1:1',
      fetch: async () => new Response(null, { status: 200 }),
    });
    expect(await outcome(empty.getLoginStatus({ apiKey: 'k' }))).toMatchObject({
      code: 'invalidResponse',
      message: expect.stringContaining('without a boolean "loggedIn"'),
    });
    expect(await outcome(cdfWith(400, null).getTokenStatus('t'))).toMatchObject({
      message: 'CDF /login/token answered HTTP 400.',
    });
  });

  it('reads no expiry from a legacy token whose expire_time is not finite', () => {
    const raw = (json: string) => `e30.${Buffer.from(json).toString('base64url')}.x`;
    expect(legacyExpiry(raw('{"expire_time":1e400}'))).toBeNull();
    expect(legacyExpiry(raw('{"exp":"20"}'))).toBeNull();
  });
});

describe('regressions found by fuzzing', () => {
  it('an OAuth error named after an Object.prototype member is a plain idpError (seed -1793731098)', async () => {
    const idp = createOidcClient({
      issuer: 'http://127.0.0.1:3',
      clientId: 'cli',
      clientSecret: 's',
      fetch: async (input) =>
        String(input).endsWith('/.well-known/openid-configuration')
          ? Response.json({ issuer: 'http://127.0.0.1:3', token_endpoint: 'http://127.0.0.1:3/token' })
          : Response.json({ error: 'toString' }, { status: 401 }),
    });
    for (const call of [() => idp.clientCredentials({ scope: 's' }), () => idp.refresh('r')]) {
      expect(await outcome(call())).toMatchObject({ code: 'idpError' });
    }
  });
});

describe('names that Object.prototype also has', () => {
  it('a callback parameter named constructor is just a parameter', async () => {
    const { parseAuthorizationCallback } = await import('../../src/protocol/callback/authorization.js');
    expect(parseAuthorizationCallback('http://127.0.0.1:1/cb?code=c&state=s&constructor=x')).toMatchObject({
      kind: 'response',
    });
  });
});
