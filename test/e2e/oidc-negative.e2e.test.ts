/**
 * SECURITY.md section 2, against a scripted misbehaving OP (node:http + jose): every rejection ends in a
 * typed failure, with no later call (no token request after a bad state or iss, no CDF call after a
 * bad ID token) and no tokens returned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginWithAuthorizationCode } from '../../src/drivers/node/oidc.js';
import { headlessOpener } from '../../src/drivers/node/opener.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { isAuthFlowError } from '../../src/errors/auth-flow-error.js';
import { type Script, startScriptedOp } from '../helpers/scripted-op.js';

let cdf: Emulator;
beforeAll(async () => {
  cdf = await startEmulator();
});
afterAll(() => cdf.close());

async function signInAgainst(script: Script, callbackMs?: number) {
  const op = await startScriptedOp(script);
  const cdfCallsBefore = cdf.requests.length;
  try {
    await loginWithAuthorizationCode({
      issuer: op.issuer,
      clientId: 'cli',
      baseUrl: cdf.baseUrl,
      opener: headlessOpener(),
      scope: 'openid',
      oidc: { jwksCooldownMs: 0 },
      ...(callbackMs ? { totalTimeoutMs: callbackMs } : {}),
    });
    return { code: undefined, op, cdfCalls: cdf.requests.slice(cdfCallsBefore) };
  } catch (error) {
    if (!isAuthFlowError(error)) throw error;
    return { code: error.code, message: error.message, op, cdfCalls: cdf.requests.slice(cdfCallsBefore) };
  } finally {
    await op.close();
  }
}

const tokenRequests = (op: { requests: Array<{ path: string }> }) =>
  op.requests.filter((r) => r.path === '/token').length;

describe('RFC 9700 2.1 / RFC 6749 10.12: CSRF on the redirect endpoint', () => {
  // On the loopback a callback that is not this flow's is stray: answered 400 and ignored by the flow
  // (test/e2e/loopback-browser.e2e.test.ts shows the real one still signing in). Here the headless
  // browser is the one that got the 400 page, so it reports the navigation as failed.
  it('ignores a callback whose state was never issued, without calling the token endpoint', async () => {
    const result = await signInAgainst({ authorizationResponse: (p) => p.set('state', 'forged') }, 1_500);
    expect(result.code).toBe('navigationFailed');
    expect(tokenRequests(result.op)).toBe(0);
  });

  it('ignores a callback without state, without calling the token endpoint', async () => {
    const result = await signInAgainst({ authorizationResponse: (p) => p.delete('state') }, 1_500);
    expect(result.code).toBe('navigationFailed');
    expect(tokenRequests(result.op)).toBe(0);
  });
});

describe('RFC 9207 2.4: iss in the authorization response', () => {
  it('rejects a response whose iss differs from the issuer, without redeeming the code', async () => {
    const result = await signInAgainst({ authorizationResponse: (p) => p.set('iss', 'http://127.0.0.1:1') });
    expect(result.code).toBe('issuerMismatch');
    expect(tokenRequests(result.op)).toBe(0);
  });

  it('rejects a response without iss when the metadata advertises iss support', async () => {
    const result = await signInAgainst({ authorizationResponse: (p) => p.delete('iss') });
    expect(result.code).toBe('issuerMismatch');
    expect(tokenRequests(result.op)).toBe(0);
  });

  it('checks state and iss of an error response too, and does not show its error_description', async () => {
    const result = await signInAgainst({
      authorizationResponse: (p, issuer) => {
        p.delete('code');
        p.set('error', 'access_denied');
        p.set('error_description', 'Call +1-555 support now');
        p.set('iss', `${issuer}/evil`);
      },
    });
    expect(result.code).toBe('issuerMismatch');
    expect(result.message).not.toContain('555');
  });
});

describe('RFC 8414 / RFC 9700 4.4: mix-up defence at discovery', () => {
  it('rejects metadata whose issuer is not the configured issuer exactly', async () => {
    const result = await signInAgainst({ metadataIssuer: 'http://127.0.0.1:1' });
    expect(result.code).toBe('issuerMismatch');
    expect(result.op.requests.map((r) => r.path)).toEqual(['/.well-known/openid-configuration']);
  });
});

describe('RFC 7636 4.2 / 7.2: S256 only', () => {
  it('refuses an IdP that offers only plain PKCE, before any redirect', async () => {
    const result = await signInAgainst({ codeChallengeMethods: ['plain'] });
    expect(result.code).toBe('insecureEndpoint');
    expect(result.op.requests.some((r) => r.path === '/authorize')).toBe(false);
  });
});

describe('OIDC Core 3.1.3.7: every ID token is checked, and nothing is called after a bad one', () => {
  it.each<[string, Script]>([
    ['alg none', { idTokenAlg: 'none' }],
    ['HS256 (a public client has no shared secret)', { idTokenAlg: 'HS256' }],
    ['a wrong audience', { idToken: (c) => ({ ...c, aud: 'someone-else' }) }],
    ['several audiences without azp', { idToken: (c) => ({ ...c, aud: ['cli', 'other'] }) }],
    ['a wrong issuer', { idToken: (c) => ({ ...c, iss: 'http://127.0.0.1:1' }) }],
    ['a wrong nonce', { idToken: (c) => ({ ...c, nonce: 'replayed' }) }],
    [
      'an expiry in the past (beyond the skew)',
      { idToken: (c) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 600 }) },
    ],
    ['no iat', { idToken: ({ iat: _iat, ...c }) => c }],
    ['an unknown kid', { idTokenHeader: { kid: 'nope' } }],
  ])('rejects an ID token with %s', async (_name, script) => {
    const result = await signInAgainst(script);
    // Every ID-token claim failure, missing claims included, is idTokenInvalid.
    expect(result.code).toBe('idTokenInvalid');
    expect(result.cdfCalls.map((c) => c.path)).not.toContain('/api/v1/token/inspect');
  });

  it('refetches the JWKS once for an unknown kid, and then accepts the rotated key', async () => {
    const result = await signInAgainst({ rotateKeyAfterFirstJwks: true });
    // The token is signed with k2, published only on the second fetch; the emulator's CDF does not know
    // this OP, so the flow ends at token/inspect (401: tokenRejected): the ID token itself was accepted.
    expect(result.code).toBe('tokenRejected');
    expect(result.op.requests.filter((r) => r.path === '/jwks')).toHaveLength(2);
    expect(result.cdfCalls.map((c) => c.path)).toContain('/api/v1/token/inspect');
  });
});

describe('RFC 6749 5.1 / 5.2: token responses', () => {
  it('refuses a token type it does not understand', async () => {
    const result = await signInAgainst({ tokenType: 'N_A' });
    expect(result.code).toBe('invalidResponse');
  });

  it.each<[string, Script['tokenResponse'], string]>([
    [
      'invalid_grant',
      { status: 400, body: '{"error":"invalid_grant","error_description":"code used"}' },
      'invalidGrant',
    ],
    // IdP 5xx or HTML is `http`, as the CDF client classifies them (CLI exit 4, not 3).
    ['HTML', { status: 200, body: '<html>proxy</html>', contentType: 'text/html' }, 'http'],
    ['an empty body', { status: 200, body: '' }, 'invalidResponse'],
    ['a 503', { status: 503, body: 'down', contentType: 'text/plain' }, 'http'],
  ])('turns a token endpoint answer of %s into a typed failure', async (_name, tokenResponse, code) => {
    const result = await signInAgainst({ tokenResponse });
    expect(result.code).toBe(code);
    expect(result.cdfCalls).toHaveLength(0);
  });
});
