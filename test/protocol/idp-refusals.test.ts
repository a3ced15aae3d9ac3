/**
 * What a refusal by the IdP says, beyond its code: the hint for an unknown client (Entra's AADSTS700016)
 * or for the secret's method, what an empty 401/403 means for a public or a confidential client, Entra's
 * diagnostics read from the error body beside a challenge, and why fetch got no answer at all.
 */
import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { toAuthFlowError } from '../../src/protocol/oidc/errors.js';

const SECRET = 'client-secret-value';
const TRACE = '0f4e2c1a-1111-4222-8333-944445555666';
const CORRELATION = '7a6b5c4d-aaaa-4bbb-8ccc-9dddeeeeffff';
const BASIC = { method: 'client_secret_basic', other: null };
const PUBLIC = { method: null, other: null };

const map = (
  error: unknown,
  record: { status?: number; contentType?: string; errorBody?: unknown },
  clientAuth?: { method: string | null; other: string | null },
  what = 'The call',
) =>
  toAuthFlowError(
    error,
    what,
    {
      deadline: new AbortController().signal,
      record,
      secrets: [SECRET],
      ...(clientAuth ? { clientAuth } : {}),
    },
    'idpError',
  );

const bodyError = (body: Record<string, unknown>, status = 400) =>
  new oauth.ResponseBodyError('server responded with an error in the response body', {
    cause: body as oauth.OAuth2Error,
    response: new Response(null, { status }),
  });
const challenge = (status = 401, error = 'invalid_client') =>
  new oauth.WWWAuthenticateChallengeError('server responded with a challenge', {
    cause: [{ scheme: 'basic', parameters: { error } }],
    response: new Response(null, { status }),
  });
const notJson = () =>
  new oauth.OperationProcessingError('response is not JSON', { code: 'OAUTH_RESPONSE_IS_NOT_JSON' });

describe('an unknown client and a known one', () => {
  const unknownApp = bodyError({
    error: 'unauthorized_client',
    error_description: 'AADSTS700016: Application not found in the directory.',
  });
  const expected =
    'The call was refused: unauthorized_client (AADSTS700016: Application not found in the directory.). Check the client id (--client-id, IDP_CLIENT_ID) and the tenant.';

  it('unauthorized_client says to check the client id and the tenant, whatever the secret method', () => {
    for (const clientAuth of [BASIC, PUBLIC, { method: 'client_secret_post', other: 'client_secret_basic' }]) {
      const error = map(unknownApp, { status: 400 }, clientAuth);
      expect(error.code).toBe('clientRejected');
      expect(error.message).toBe(expected);
    }
  });

  it('invalid_client names the method the secret was sent by, not the client id check', () => {
    const error = map(bodyError({ error: 'invalid_client' }, 401), { status: 401 }, BASIC);
    expect(error.code).toBe('clientRejected');
    expect(error.message).toBe(
      'The call was refused: invalid_client. The client secret was sent by client_secret_basic.',
    );
  });

  it('another refusal of a public client gets neither hint', () => {
    const error = map(bodyError({ error: 'invalid_grant' }), { status: 400 }, PUBLIC);
    expect(error.message).toBe('The call was refused: invalid_grant.');
  });
});

describe('a 401 or 403 with nothing to read', () => {
  it('to a public client asking for tokens: the IdP did not accept this public client for the grant', () => {
    const error = map(notJson(), { status: 401, contentType: 'text/plain' }, PUBLIC, 'The token refresh');
    expect(error.code).toBe('clientRejected');
    expect(error.status).toBe(401);
    expect(error.message).toBe(
      'The token refresh was refused with HTTP 401 and no explanation; the IdP did not accept this public client here: check the client id and that the app may use this grant.',
    );
  });

  it('to a public client revoking: the IdP lets no public client revoke, the local login can go', () => {
    const error = map(notJson(), { status: 403 }, PUBLIC, 'The token revocation');
    expect(error.code).toBe('clientRejected');
    expect(error.message).toBe(
      'The token revocation was refused with HTTP 403 and no explanation; the IdP does not let a public client (no secret) revoke tokens; the local login can still be removed.',
    );
  });

  it('to a confidential client revoking: check the client, its secret and the method', () => {
    const error = map(notJson(), { status: 401 }, BASIC, 'The token revocation');
    expect(error.message).toBe(
      'The token revocation was refused with HTTP 401 and no explanation; the IdP did not accept the client: check the client id, the secret and the client authentication method. The client secret was sent by client_secret_basic.',
    );
  });

  it('discovery (no client yet): an unreadable 401 or an empty 400 is no refusal of the client or of a grant', () => {
    const refused = map(notJson(), { status: 401 }, undefined, 'IdP discovery at https://idp.example');
    expect(refused.code).toBe('invalidResponse');
    expect(map(notJson(), { status: 400 }, undefined, 'The token refresh').code).toBe('invalidResponse');
  });
});

describe("Entra's diagnostics from the error body beside a challenge", () => {
  const entra = {
    error: 'invalid_client',
    error_description: 'AADSTS7000215: Invalid client secret provided.',
    error_codes: [7000215],
    timestamp: '2026-12-02 10:00:00Z',
    trace_id: TRACE,
    correlation_id: CORRELATION,
  };

  it('quotes the description, trace id and correlation id, and keeps the diagnostics on the error', () => {
    const error = map(challenge(), { status: 401, errorBody: entra }, BASIC);
    expect(error.code).toBe('clientRejected');
    expect(error.message).toBe(
      `The call was refused: invalid_client; check the client id and secret. The IdP said: AADSTS7000215: Invalid client secret provided; trace_id ${TRACE}; correlation_id ${CORRELATION}. The client secret was sent by client_secret_basic.`,
    );
    expect(error.idpDiagnostics).toEqual({
      errorCodes: [7000215],
      traceId: TRACE,
      correlationId: CORRELATION,
      timestamp: '2026-12-02 10:00:00Z',
    });
  });

  it('a body with only a trace id: the trace id is quoted', () => {
    const error = map(challenge(), { status: 401, errorBody: { trace_id: TRACE } }, PUBLIC);
    expect(error.message).toBe(
      `The call was refused: invalid_client; check the client id and secret. The IdP said: trace_id ${TRACE}.`,
    );
    expect(error.idpDiagnostics).toEqual({ traceId: TRACE });
  });

  it('a body with only a description: the description is quoted, scrubbed, and there are no diagnostics', () => {
    const error = map(challenge(403, 'insufficient_scope'), {
      status: 403,
      errorBody: { error_description: `Bad secret ${SECRET}` },
    });
    expect(error.code).toBe('idpError');
    expect(error.message).toBe(
      'The call was refused: insufficient_scope; check the client id and secret. The IdP said: Bad secret [redacted].',
    );
    expect(error.idpDiagnostics).toBeUndefined();
  });

  it('a body with neither, or a JSON null, adds nothing', () => {
    for (const errorBody of [{ error: 'invalid_client' }, null, 'text']) {
      const error = map(challenge(), { status: 401, errorBody });
      expect(error.message).toBe('The call was refused: invalid_client; check the client id and secret.');
      expect(error.idpDiagnostics).toBeUndefined();
    }
  });

  it('an OAuth error body carries its own diagnostics: quoted once, for the admins, not again', () => {
    const refused = bodyError({
      error: 'invalid_grant',
      error_description: 'AADSTS70008: The refresh token has expired.',
      trace_id: TRACE,
      correlation_id: CORRELATION,
    });
    const body = { ...(refused.cause as object) };
    for (const record of [{ status: 400 }, { status: 400, errorBody: body }]) {
      const error = map(refused, record, PUBLIC);
      expect(error.code).toBe('invalidGrant');
      expect(error.message).toBe(
        `The call was refused: invalid_grant (AADSTS70008: The refresh token has expired.). Quote to the IdP's admins: trace_id ${TRACE}, correlation_id ${CORRELATION}.`,
      );
      expect(error.idpDiagnostics).toEqual({ traceId: TRACE, correlationId: CORRELATION });
    }
  });
});

describe('why the IdP could not be reached', () => {
  const fetchFailed = (code?: string) =>
    new TypeError('fetch failed', code ? { cause: Object.assign(new Error(`connect ${code}`), { code }) } : {});

  it('names a known system error in words, an unknown one by its code, and adds nothing when there is none', () => {
    expect(map(fetchFailed('ECONNREFUSED'), {}).message).toBe(
      'The call could not reach the IdP (nothing listens on that port).',
    );
    expect(map(fetchFailed('EPROTO'), {}).message).toBe('The call could not reach the IdP (fetch failed: EPROTO).');
    expect(map(fetchFailed(), {}).message).toBe('The call could not reach the IdP.');
    for (const code of ['ECONNREFUSED', 'EPROTO', undefined]) expect(map(fetchFailed(code), {}).code).toBe('network');
  });

  it('something thrown that is not even an object is an invalid response, with its text', () => {
    for (const thrown of [null, undefined]) {
      const error = map(thrown, { status: 200 });
      expect(error.code).toBe('invalidResponse');
      expect(error.message).toBe(`The call failed: ${String(thrown)}.`);
    }
  });
});
