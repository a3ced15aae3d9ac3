/** How the OIDC client reports each kind of IdP failure: the code, what the message keeps, and the cause. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcClient, type OidcClientOptions } from '../../src/protocol/oidc.js';
import { failureOf } from '../helpers/failure.js';
import { json, startFakeIdp } from '../helpers/fake-idp.js';

let idp: Awaited<ReturnType<typeof startFakeIdp>>;
beforeAll(async () => {
  idp = await startFakeIdp();
});
afterAll(() => idp.close());

const client = (over: Partial<OidcClientOptions> = {}) =>
  createOidcClient({ issuer: idp.issuer, clientId: 'cli', timeoutMs: 10_000, retryLimit: 0, ...over });
const exchange = (c = client()) =>
  c.exchangeCode({
    callbackUrl: 'http://127.0.0.1:1/callback?code=code-abcdef&state=st',
    redirectUri: 'http://127.0.0.1:1/callback',
    state: 'st',
    codeVerifier: 'v'.repeat(43),
    nonce: 'n',
  });

describe('the cause of an IdP failure', () => {
  it('keeps the error name and code of what oauth4webapi threw, scrubbed, with its own cause chain', async () => {
    const refreshToken = 'rt-abcdef-123456';
    idp.on('/token', (_req, res) =>
      json(res, 400, { error: 'invalid_grant', error_description: `bad ${refreshToken}` }),
    );
    const error = await failureOf(client().refresh(refreshToken));
    const cause = error.cause as Error & { code?: string; cause?: unknown };
    expect(cause).toBeInstanceOf(Error);
    expect(cause.name).toBe('ResponseBodyError');
    expect(cause.code).toBe('OAUTH_RESPONSE_BODY_ERROR');
    expect(cause.message).not.toContain(refreshToken);
    expect(JSON.stringify(error)).not.toContain(refreshToken);
  });

  it('a secret shorter than 4 characters is not scrubbed (it would blank out ordinary words)', async () => {
    idp.on('/token', (_req, res) => json(res, 400, { error: 'invalid_grant', error_description: 'the rt is abc' }));
    expect((await failureOf(client().refresh('abc'))).message).toContain('the rt is abc');
  });
});

describe('failures the IdP fetch raises itself', () => {
  it('a body over the cap keeps its code and status and says which call it was', async () => {
    idp.on('/token', (_req, res) => json(res, 200, { access_token: 'x'.repeat(2_000), token_type: 'Bearer' }));
    const error = await failureOf(client({ maxBodyBytes: 500 }).refresh('rt-123456'));
    expect(error.code).toBe('invalidResponse');
    expect(error.status).toBe(200);
    expect(error.message).toMatch(/^The token refresh: The IdP answered with a body over 500 bytes/);
  });

  it('nothing listening is network; a fetch that throws something else is invalidResponse with its text', async () => {
    const refused = createOidcClient({ issuer: 'http://127.0.0.1:9', clientId: 'cli', timeoutMs: 5_000 });
    expect((await failureOf(refused.refresh('rt-123456'))).code).toBe('network');
    const odd = client({
      fetch: async (input) => {
        if (String(input).includes('openid-configuration')) return globalThis.fetch(input);
        throw 'a string, not an Error';
      },
    });
    const error = await failureOf(odd.refresh('rt-123456'));
    expect(error.code).toBe('invalidResponse');
    expect(error.message).toContain('a string, not an Error');
  });
});

describe('WWW-Authenticate challenges (RFC 6749 §5.2, RFC 6750 §3)', () => {
  it.each([
    [401, 'Basic error="invalid_client", realm="x"', 'clientRejected', 'invalid_client'],
    [401, 'Basic realm="x"', 'clientRejected', null],
    [403, 'Bearer error="insufficient_scope", scope="x"', 'idpError', 'insufficient_scope'],
  ])('%i with WWW-Authenticate %s is %s, naming the error it carries', async (status, challenge, code, named) => {
    idp.on('/token', (_req, res) => res.writeHead(status, { 'www-authenticate': challenge }).end());
    expect(await failureOf(client({ clientSecret: 'secret-1' }).clientCredentials({ scope: 's' }))).toMatchObject({
      code,
      status,
      message: named ? expect.stringContaining(named) : expect.any(String),
    });
  });
});

describe('ID tokens in the token response', () => {
  it('a code exchange without an ID token is refused', async () => {
    idp.on('/token', (_req, res) => json(res, 200, { access_token: 'at-1', token_type: 'Bearer', expires_in: 60 }));
    expect(['idTokenInvalid', 'invalidResponse']).toContain((await failureOf(exchange())).code);
  });

  it('an ID token signed with HS256 or with alg none is idTokenInvalid', async () => {
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = b64({ iss: idp.issuer, sub: 'a', aud: 'cli', iat: now, exp: now + 60, nonce: 'n' });
    for (const alg of ['HS256', 'none']) {
      const idToken = `${b64({ alg, typ: 'JWT' })}.${claims}.${alg === 'none' ? '' : 'c2ln'}`;
      idp.on('/token', (_req, res) =>
        json(res, 200, { access_token: 'at-1', token_type: 'Bearer', expires_in: 60, id_token: idToken }),
      );
      expect((await failureOf(exchange())).code).toBe('idTokenInvalid');
    }
  });
});

describe('client credentials with a resource indicator (RFC 8707)', () => {
  it('sends resource only when given', async () => {
    const bodies: string[] = [];
    idp.on('/token', (_req, res, body) => {
      bodies.push(body);
      json(res, 200, { access_token: 'at-1', token_type: 'Bearer', expires_in: 60 });
    });
    const c = client({ clientSecret: 'secret-1' });
    await c.clientCredentials({ scope: 's', resource: 'https://api.example' });
    await c.clientCredentials({ scope: 's' });
    expect(new URLSearchParams(bodies[0]).get('resource')).toBe('https://api.example');
    expect(new URLSearchParams(bodies[1]).has('resource')).toBe(false);
    expect(new URLSearchParams(bodies[1]).get('scope')).toBe('s');
  });
});
