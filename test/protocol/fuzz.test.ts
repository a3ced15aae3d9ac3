/**
 * Fuzzing of every parser that takes outside input: at least 10,000 generated cases each per run.
 * The outcome is a value or a typed AuthFlowError; never a crash, a hang, or a secret in the message.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { isFailureCode } from '../../machines/shared/failure.js';
import { isAuthFlowError } from '../../src/errors/auth-flow-error.js';
import { parseAuthorizationCallback } from '../../src/protocol/callback/authorization.js';
import { parseLoginCallback } from '../../src/protocol/callback/login-url.js';
import { createCdfClient } from '../../src/protocol/cdf.js';
import { createOidcClient } from '../../src/protocol/oidc.js';
import { parseEntry } from '../../src/stores/file-token-store.js';
import { fakeIdpMetadata } from '../helpers/fake-idp.js';

const RUNS = 10_000;
const SECRET = 'fuzz-secret-4f1c9a';

/** Arbitrary JSON-ish bodies: valid JSON of any shape, near-misses of the real shapes, and garbage text. */
const bodies = fc.oneof(
  fc.json(),
  fc.jsonValue().map((value) => JSON.stringify({ data: value })),
  fc
    .record({
      data: fc.dictionary(
        fc.constantFrom('url', 'loggedIn', 'user', 'project', 'projectId', 'valid', 'expired', 'apiKeyId'),
        fc.jsonValue(),
      ),
    })
    .map((v) => JSON.stringify(v)),
  fc
    .record({ error: fc.oneof(fc.string(), fc.record({ code: fc.integer(), message: fc.string() })) })
    .map((v) => JSON.stringify(v)),
  fc.string(),
  fc.constant(''),
);
const statuses = fc.constantFrom(200, 201, 204, 400, 401, 403, 404, 500, 502);

const expectTyped = (error: unknown) => {
  expect(isAuthFlowError(error), String(error)).toBe(true);
  if (isAuthFlowError(error)) {
    expect(isFailureCode(error.code)).toBe(true);
    expect(error.message).not.toContain(SECRET);
  }
};

describe('fuzzing', () => {
  test.prop([fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string())], { numRuns: RUNS })(
    'OIDC callback URLs parse to a response or an invalid reason, never a throw',
    (url) => {
      const parsed = parseAuthorizationCallback(url);
      expect(['response', 'invalid']).toContain(parsed.kind);
      expect(parseLoginCallback(url).kind).toMatch(/^(tokens|error|invalid)$/);
    },
  );

  test.prop(
    [
      fc.oneof(
        fc.json(),
        fc.string(),
        fc.jsonValue().map((v) => JSON.stringify({ v: 1, kind: 'oidc', ...(typeof v === 'object' && v ? v : {}) })),
      ),
    ],
    {
      numRuns: RUNS,
    },
  )('token cache files parse to an entry or null, never a throw', (text) => {
    const entry = parseEntry(text);
    if (entry !== null) expect(['login-url', 'api-key', 'oidc']).toContain(entry.kind);
  });

  test.prop(
    [
      statuses,
      bodies,
      fc.constantFrom('getLoginStatus', 'getLoginUrl', 'getTokenStatus', 'getLogoutUrl', 'inspectToken'),
    ],
    {
      numRuns: RUNS,
    },
  )('CDF answers of any status and body give a value or a typed error', async (status, body, call) => {
    const cdf = createCdfClient({
      baseUrl: 'http://127.0.0.1:1',
      retryLimit: 0,
      fetch: async () =>
        new Response(status === 204 ? null : body, { status, headers: { 'content-type': 'application/json' } }),
    });
    const calls = {
      getLoginStatus: () => cdf.getLoginStatus({ apiKey: SECRET }),
      getLoginUrl: () => cdf.getLoginUrl({ project: 'p', redirectUrl: 'http://127.0.0.1:2/cb' }),
      getTokenStatus: () => cdf.getTokenStatus(SECRET),
      getLogoutUrl: () => cdf.getLogoutUrl({ accessToken: SECRET }),
      inspectToken: () => cdf.inspectToken(SECRET),
    };
    try {
      await calls[call]();
    } catch (error) {
      expectTyped(error);
    }
  });

  const metadata = fakeIdpMetadata;
  const idpWith = (answer: () => Response) => {
    const issuer = 'http://127.0.0.1:3';
    return createOidcClient({
      issuer,
      clientId: 'cli',
      clientSecret: SECRET,
      fetch: async (input) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.endsWith('/.well-known/openid-configuration')) return Response.json(metadata(issuer));
        if (url.endsWith('/jwks')) return Response.json({ keys: [] });
        return answer();
      },
    });
  };

  test.prop(
    [statuses, bodies, fc.constantFrom('clientCredentials', 'refresh', 'requestDeviceCode', 'pollDeviceCode')],
    {
      numRuns: RUNS,
    },
  )(
    'token and device endpoint answers of any status and body give a value or a typed error',
    async (status, body, call) => {
      const idp = idpWith(
        () => new Response(status === 204 ? null : body, { status, headers: { 'content-type': 'application/json' } }),
      );
      try {
        if (call === 'clientCredentials') await idp.clientCredentials({ scope: 's' });
        else if (call === 'refresh') await idp.refresh(SECRET);
        else if (call === 'requestDeviceCode') await idp.requestDeviceCode({ scope: 's' });
        else await idp.pollDeviceCode(SECRET);
      } catch (error) {
        expectTyped(error);
      }
    },
  );

  const b64 = (value: unknown) =>
    Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const jwtHeaders = fc.oneof(
    fc.record({
      alg: fc.constantFrom('none', 'HS256', 'RS256', 'ES256', 'PS256', 'XX', ''),
      kid: fc.option(fc.string()),
      typ: fc.option(fc.string()),
    }),
    fc.jsonValue(),
  );
  const jwtClaims = fc.oneof(
    fc.record({
      iss: fc.oneof(fc.constant('http://127.0.0.1:3'), fc.string()),
      aud: fc.oneof(fc.constant('cli'), fc.array(fc.string()), fc.string()),
      sub: fc.string(),
      exp: fc.oneof(fc.integer(), fc.string()),
      iat: fc.oneof(fc.integer(), fc.string()),
      nonce: fc.string(),
    }),
    fc.jsonValue(),
  );
  test.prop(
    [
      fc.oneof(
        fc.tuple(jwtHeaders, jwtClaims, fc.string()).map(([h, c, sig]) => `${b64(h)}.${b64(c)}.${b64(sig)}`),
        fc.string(),
      ),
    ],
    {
      numRuns: RUNS,
    },
  )('ID tokens with any header and claims are refused with idTokenInvalid, never accepted unsigned', async (jwt) => {
    const idp = idpWith(() => new Response('', { status: 500 }));
    try {
      await idp.validateIdToken(jwt, { nonce: 'n' });
      expect.unreachable('an unverifiable ID token was accepted');
    } catch (error) {
      expectTyped(error);
      expect((error as { code: string }).code).toBe('idTokenInvalid');
    }
  });
});
