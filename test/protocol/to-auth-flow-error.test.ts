/**
 * The one mapping from what oauth4webapi, jose or fetch threw to an AuthFlowError, row by row: each kind
 * of error, the answer it came with (status, content type), and whether the caller or the deadline had
 * aborted, gives one failure code and a message that holds no secret of the call.
 */
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import type { FailureCode } from '../../machines/shared/failure.js';
import { AuthFlowError } from '../../src/errors/auth-flow-error.js';
import { toAuthFlowError } from '../../src/protocol/oidc/errors.js';

const SECRET = 'secret-value-123';
const live = () => new AbortController().signal;
const aborted = () => AbortSignal.abort();

const map = (
  error: unknown,
  record: { status?: number; contentType?: string } = {},
  over: { deadline?: AbortSignal; user?: AbortSignal; secrets?: string[]; comparison?: FailureCode } = {},
) =>
  toAuthFlowError(
    error,
    'The call',
    {
      deadline: over.deadline ?? live(),
      user: over.user,
      record,
      secrets: over.secrets ?? [SECRET],
    },
    over.comparison ?? 'idpError',
  );

const bodyError = (error: string, description?: string, status = 400) =>
  new oauth.ResponseBodyError('server responded with an error in the response body', {
    cause: { error, ...(description ? { error_description: description } : {}) },
    response: new Response(null, { status }),
  });
const challengeError = (status: number, error?: string) =>
  new oauth.WWWAuthenticateChallengeError('server responded with a challenge', {
    cause: error === undefined ? [] : [{ scheme: 'bearer', parameters: { error } }],
    response: new Response(null, { status }),
  });
const processing = (code: string, message = 'unexpected response', cause?: unknown) =>
  new oauth.OperationProcessingError(message, { code, ...(cause === undefined ? {} : { cause }) });
const notJson = () => processing('OAUTH_RESPONSE_IS_NOT_JSON');
const HTML = 'text/html';

describe('toAuthFlowError', () => {
  it.each<[string, unknown, { status?: number; contentType?: string }, FailureCode]>([
    ['invalid_grant in the body', bodyError('invalid_grant'), { status: 400 }, 'invalidGrant'],
    ['access_denied in the body', bodyError('access_denied'), { status: 400 }, 'accessDenied'],
    ['expired_token in the body', bodyError('expired_token'), { status: 400 }, 'expiredToken'],
    ['invalid_client in the body', bodyError('invalid_client', undefined, 401), { status: 401 }, 'clientRejected'],
    ['unauthorized_client in the body', bodyError('unauthorized_client'), { status: 400 }, 'clientRejected'],
    ['an unknown error in the body', bodyError('slow_down_please'), { status: 400 }, 'idpError'],
    ['an error named like an Object method', bodyError('toString'), { status: 400 }, 'idpError'],
    ['an OAuth body served as HTML', bodyError('invalid_grant'), { status: 400, contentType: HTML }, 'invalidGrant'],
    ['HTTP 500', new TypeError('whatever'), { status: 500 }, 'http'],
    ['HTTP 503 with an OAuth body', bodyError('temporarily_unavailable', undefined, 503), { status: 503 }, 'http'],
    ['HTTP 429', notJson(), { status: 429 }, 'http'],
    ['HTTP 499 is not server trouble', notJson(), { status: 499 }, 'invalidResponse'],
    ['an HTML page with 200', notJson(), { status: 200, contentType: 'text/html; charset=utf-8' }, 'http'],
    [
      'a content type that only contains text/html',
      notJson(),
      { status: 200, contentType: 'application/x-text/html' },
      'invalidResponse',
    ],
    ['a challenge with invalid_client', challengeError(401, 'invalid_client'), { status: 401 }, 'clientRejected'],
    ['a 401 challenge with another error', challengeError(401, 'invalid_token'), { status: 401 }, 'clientRejected'],
    ['a 400 challenge with another error', challengeError(400, 'invalid_request'), { status: 400 }, 'idpError'],
    ['a 400 challenge without parameters', challengeError(400), { status: 400 }, 'clientRejected'],
    [
      'access_denied on the callback',
      new oauth.AuthorizationResponseError('authorization response', {
        cause: new URLSearchParams({ error: 'access_denied' }),
      }),
      {},
      'accessDenied',
    ],
    [
      'another error on the callback',
      new oauth.AuthorizationResponseError('authorization response', {
        cause: new URLSearchParams({ error: 'server_error' }),
      }),
      {},
      'idpError',
    ],
    [
      'a JSON attribute that does not match',
      processing(oauth.JSON_ATTRIBUTE_COMPARISON, 'unexpected "iss"', { claims: {} }),
      { status: 200 },
      'idTokenInvalid',
    ],
    ['a JWT claim that does not match', processing(oauth.JWT_CLAIM_COMPARISON), { status: 200 }, 'idTokenInvalid'],
    ['an http:// endpoint', processing(oauth.HTTP_REQUEST_FORBIDDEN), { status: 200 }, 'insecureEndpoint'],
    [
      'a protocol that is not allowed',
      processing(oauth.REQUEST_PROTOCOL_FORBIDDEN),
      { status: 200 },
      'insecureEndpoint',
    ],
    ['an ID token timestamp', processing(oauth.JWT_TIMESTAMP_CHECK), { status: 200 }, 'idTokenInvalid'],
    [
      'claims beside an invalid response',
      processing('OAUTH_INVALID_RESPONSE', 'bad', { claims: {} }),
      { status: 200 },
      'idTokenInvalid',
    ],
    [
      'a header beside an invalid response',
      processing('OAUTH_INVALID_RESPONSE', 'bad', { header: {} }),
      { status: 200 },
      'idTokenInvalid',
    ],
    ['a null cause', processing('OAUTH_INVALID_RESPONSE', 'bad', null), { status: 200 }, 'invalidResponse'],
    [
      'a cause that is a string',
      processing('OAUTH_INVALID_RESPONSE', 'bad', 'claims'),
      { status: 200 },
      'invalidResponse',
    ],
    [
      'a cause with neither claims nor header',
      processing('OAUTH_INVALID_RESPONSE', 'bad', { body: {} }),
      { status: 200 },
      'invalidResponse',
    ],
    [
      'a message about a JWT',
      processing('OAUTH_INVALID_RESPONSE', 'unexpected JWT "alg"'),
      { status: 200 },
      'idTokenInvalid',
    ],
    [
      'a message about the ID Token',
      processing('OAUTH_INVALID_RESPONSE', 'ID Token "sub" missing'),
      { status: 200 },
      'idTokenInvalid',
    ],
    [
      'another invalid response',
      processing('OAUTH_INVALID_RESPONSE', 'missing access_token'),
      { status: 200 },
      'invalidResponse',
    ],
    [
      'an unsupported JWS algorithm',
      new oauth.UnsupportedOperationError('unsupported JWS algorithm'),
      { status: 200 },
      'idTokenInvalid',
    ],
    [
      'another unsupported operation',
      new oauth.UnsupportedOperationError('unsupported client auth'),
      { status: 200 },
      'invalidResponse',
    ],
    ['fetch failing', new TypeError('fetch failed'), {}, 'network'],
    ['anything else', new Error('odd'), { status: 200 }, 'invalidResponse'],
    ['a thrown string', 'just text', { status: 200 }, 'invalidResponse'],
  ])('%s → the code it names', (_name, error, record, code) => {
    const mapped = map(error, record);
    expect(mapped).toBeInstanceOf(AuthFlowError);
    expect(mapped.code).toBe(code);
  });

  it('a comparison failure takes the code the call names for it (the issuer of discovery, say)', () => {
    expect(
      map(processing(oauth.JSON_ATTRIBUTE_COMPARISON), { status: 200 }, { comparison: 'issuerMismatch' }).code,
    ).toBe('issuerMismatch');
  });

  it('server trouble says the status, and whether it was a page; the status is kept', () => {
    const page = map(new TypeError('x'), { status: 502, contentType: 'text/html' });
    expect(page.message).toBe('The call failed: the IdP answered HTTP 502 with an HTML page; try again later.');
    expect(page.status).toBe(502);
    const html = map(new TypeError('x'), { contentType: 'text/html' });
    expect(html.message).toBe('The call failed: the IdP answered HTTP ? with an HTML page; try again later.');
    expect(html.status).toBeUndefined();
    expect(map(new TypeError('x'), { status: 429 }).message).toBe(
      'The call failed: the IdP answered HTTP 429; try again later.',
    );
  });

  it('a refusal says the IdP error and its description, scrubbed, and keeps the status', () => {
    const refused = map(bodyError('invalid_grant', `the token ${SECRET} is gone`, 400), { status: 400 });
    expect(refused.message).toBe('The call was refused: invalid_grant (the token [redacted] is gone).');
    expect(refused.status).toBe(400);
    expect(map(bodyError('invalid_grant'), { status: 400 }).message).toBe('The call was refused: invalid_grant.');
    const challenged = map(challengeError(401, 'invalid_client'), { status: 401 });
    expect(challenged.message).toBe('The call was refused: invalid_client; check the client id and secret.');
    expect(challenged.status).toBe(401);
    const callback = map(
      new oauth.AuthorizationResponseError('x', { cause: new URLSearchParams({ error: 'server_error' }) }),
    );
    expect(callback.message).toBe('The IdP answered server_error.');
  });

  it('the caller aborting wins over the deadline, and both win over what was thrown', () => {
    expect(map(new TypeError('x'), { status: 500 }, { user: aborted(), deadline: aborted() }).code).toBe('cancelled');
    expect(map(new TypeError('x'), { status: 500 }, { user: live(), deadline: aborted() }).code).toBe('timeout');
    expect(map(new TypeError('x'), { status: 500 }, { user: aborted() }).message).toBe('The call was cancelled.');
    expect(map(new TypeError('x'), {}, { deadline: aborted() }).message).toBe('The call got no answer in time.');
  });

  it('an AuthFlowError passes through; a network or invalidResponse one gets the call named and scrubbed', () => {
    const own = new AuthFlowError({ code: 'cacheCorrupt', message: `keep ${SECRET}` });
    expect(map(own)).toBe(own);
    for (const code of ['network', 'invalidResponse'] as const) {
      const cause = new Error('inner');
      const raised = map(new AuthFlowError({ code, message: `saw ${SECRET}`, status: 200 }, { cause }));
      expect(raised.code).toBe(code);
      expect(raised.message).toBe('The call: saw [redacted]');
      expect(raised.status).toBe(200);
      expect(raised.cause).toBe(cause);
    }
    const timeout = new AuthFlowError({ code: 'timeout', message: 'late' });
    expect(map(timeout)).toBe(timeout);
  });

  it('every secret of 4 or more characters is scrubbed, also URL-encoded; shorter ones are not', () => {
    const encoded = 'a b/c+d=';
    const text = `four=abcd three=abc enc=${encodeURIComponent(encoded)} raw=${encoded}`;
    const mapped = map(new Error(text), { status: 200 }, { secrets: ['abcd', 'abc', encoded] });
    expect(mapped.message).toBe('The call failed: four=[redacted] three=abc enc=[redacted] raw=[redacted].');
  });

  it('a message is cut at 320 characters, marked with an ellipsis', () => {
    const mapped = map(new Error('x'.repeat(500)), { status: 200 });
    expect(mapped.message).toBe(`The call failed: ${'x'.repeat(320)}….`);
  });

  it('the cause is a scrubbed copy: name, code and message, three levels deep at most', () => {
    const deepest = new Error(`level 4 ${SECRET}`);
    const level3 = new Error('level 3', { cause: deepest });
    const level2 = new Error('level 2', { cause: level3 });
    const level1 = Object.assign(new Error('level 1', { cause: level2 }), { code: 'E_ONE' });
    const top = Object.assign(new Error(`top ${SECRET}`, { cause: level1 }), { code: 42 });
    top.name = 'TopError';
    const cause = map(top, { status: 200 }).cause as Error & { code?: unknown; cause?: Error & { code?: unknown } };
    expect(cause).not.toBe(top);
    expect(cause.name).toBe('TopError');
    expect(cause.message).toBe('top [redacted]');
    expect(cause.code).toBeUndefined();
    expect(cause.cause?.message).toBe('level 1');
    expect(cause.cause?.code).toBe('E_ONE');
    const chain: string[] = [];
    for (let at: unknown = cause; at instanceof Error; at = at.cause) chain.push(at.message);
    expect(chain).toEqual(['top [redacted]', 'level 1', 'level 2', 'level 3']);
    const last = (cause.cause?.cause as Error | undefined)?.cause as Error | undefined;
    expect(last?.message).toBe('level 3');
    expect(Object.hasOwn(last ?? {}, 'cause')).toBe(false);
    expect(map('text', { status: 200 }).cause).toBeUndefined();
  });
});
