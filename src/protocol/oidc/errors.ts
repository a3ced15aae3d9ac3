/**
 * What oauth4webapi, jose or fetch threw, as an {@link AuthFlowError}: classified the way the CDF client
 * classifies its failures (docs/security.md §6), with every secret of the call scrubbed from the message
 * and from the cause (docs/security.md §2.1).
 */
import * as oauth from 'oauth4webapi';
import type { Failure, FailureCode, IdpDiagnostics } from '../../../machines/shared/failure.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { connectionFailureOf } from '../http.js';
import type { IdpAnswerRecord } from '../idp-fetch.js';
import { redactText } from '../redact.js';

/** The `code` parameter of a callback URL, so that an IdP echoing it cannot put it in a message. */
export function codeOf(callbackUrl: string): string | undefined {
  try {
    return new URL(callbackUrl).searchParams.get('code') ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * Maps what oauth4webapi, jose or fetch threw to an {@link AuthFlowError}. Every secret of the call is
 * scrubbed from the message, and the cause is a scrubbed copy: the IdP's own text may echo a token.
 */
export function toAuthFlowError(
  error: unknown,
  what: string,
  request: {
    deadline: AbortSignal;
    user?: AbortSignal | undefined;
    record: IdpAnswerRecord;
    secrets: readonly string[];
    /** The client authentication method used, and the other one the IdP offers. */
    clientAuth?: { readonly method: string | null; readonly other: string | null };
  },
  comparisonCode: FailureCode,
): AuthFlowError {
  const scrub = scrubberOf(request.secrets);
  const make = (failure: Failure) => new AuthFlowError(failure, { cause: scrubbedCause(error, scrub) });
  if (error instanceof AuthFlowError) {
    return error.code === 'network' || error.code === 'invalidResponse'
      ? new AuthFlowError({ ...error.toFailure(), message: `${what}: ${scrub(error.message)}` }, { cause: error.cause })
      : error;
  }
  if (request.user?.aborted) return make({ code: 'cancelled', message: `${what} was cancelled.` });
  if (request.deadline.aborted) return make({ code: 'timeout', message: `${what} got no answer in time.` });
  const { status, contentType = '' } = request.record;
  const isHtml = /^text\/html\b/i.test(contentType);
  const isServerTrouble = status !== undefined && (status >= 500 || status === 429);
  // Classified as the CDF client does: a server in trouble or a page that is not JSON is `http`.
  if (isServerTrouble || (isHtml && !(error instanceof oauth.ResponseBodyError))) {
    return make({
      code: 'http',
      message: `${what} failed: the IdP answered HTTP ${status ?? '?'}${isHtml ? ' with an HTML page' : ''}; try again later.`,
      ...(status !== undefined ? { status } : {}),
    });
  }
  const refusal = withDiagnostics(
    refusalOf(error, what, scrub) ?? emptyRefusalOf(status, what, request.clientAuth),
    request.record.errorBody,
    scrub,
  );
  // The secret's method matters only when the IdP knows the client (not Entra's unknown app, AADSTS700016).
  const knownClient = !(error instanceof oauth.ResponseBodyError && error.error === 'unauthorized_client');
  if (refusal?.code === 'clientRejected' && request.clientAuth?.method && knownClient) {
    return make({ ...refusal, message: `${refusal.message}${methodHint(request.clientAuth)}` });
  }
  if (refusal?.code === 'clientRejected' && !knownClient) {
    return make({
      ...refusal,
      message: `${refusal.message} Check the client id (--client-id, IDP_CLIENT_ID) and the tenant.`,
    });
  }
  return make(refusal ?? failureOf(error, what, scrub, comparisonCode));
}

/**
 * Discovery answered 4xx (not 408 or 429): there is no IdP metadata at this issuer. The message names the
 * URL asked, the status and what the IdP said (Entra's AADSTS90002 for a tenant that is not there), and
 * what to check; `http` with the status, so the CLI's exit code says "a mistake in what was sent".
 */
export function discoveryRefusalOf(record: IdpAnswerRecord, url: string): AuthFlowError | undefined {
  const { status } = record;
  if (status === undefined || status < 400 || status >= 500 || status === 408 || status === 429) return undefined;
  const body = (typeof record.errorBody === 'object' && record.errorBody !== null ? record.errorBody : {}) as {
    error?: unknown;
    error_description?: unknown;
  };
  const described = typeof body.error_description === 'string' ? scrubberOf([])(body.error_description) : '';
  const diagnostics = diagnosticsOf(body);
  const noTenant = body.error === 'invalid_tenant' || diagnostics?.errorCodes?.includes(90002) === true;
  const check = noTenant
    ? 'check --tenant (IDP_TENANT_ID): the tenant id or domain is not one Entra ID knows'
    : 'check the issuer (--issuer, IDP_DISCOVERY_URL or IDP_AUTHORITY_URL; at Entra ID --tenant and --authority)';
  const quoted = [described, diagnostics?.traceId ? `trace_id ${diagnostics.traceId}` : ''].filter(Boolean);
  return new AuthFlowError({
    code: 'http',
    status,
    message: `IdP discovery at ${url} answered HTTP ${status}: ${check}.${quoted.length > 0 ? ` The IdP said: ${saidOf(quoted)}` : ''}`,
    ...(diagnostics ? { idpDiagnostics: diagnostics } : {}),
  });
}

/** Which client authentication was used, and the other one the IdP offers (`--client-auth`). */
function methodHint(clientAuth: { readonly method: string | null; readonly other: string | null }): string {
  const other = clientAuth.other
    ? ` The IdP also offers ${clientAuth.other}: try --client-auth ${clientAuth.other === 'client_secret_post' ? 'post' : 'basic'} (clientAuth in code).`
    : '';
  return ` The client secret was sent by ${clientAuth.method}.${other}`;
}

/**
 * A 401 or 403 with nothing to read (an empty body, or not JSON): what the status means and what to
 * check, rather than the body's content type.
 */
function emptyRefusalOf(
  status: number | undefined,
  what: string,
  clientAuth: { readonly method: string | null } | undefined,
): Failure | undefined {
  // Discovery (no client yet) is not a refusal of the client.
  if (!clientAuth) return undefined;
  if (status === 400 && /refresh|code exchange/.test(what)) {
    // A grant refused without a body (Glewlwyd answers a reused refresh token so): sign in again.
    return {
      code: 'invalidGrant',
      message: `${what} was refused with HTTP 400 and no explanation: the code or refresh token is most likely used, revoked or expired; sign in again.`,
      status,
    };
  }
  if (status !== 401 && status !== 403) return undefined;
  const confidential = Boolean(clientAuth?.method);
  const check =
    confidential || !/revocation/.test(what)
      ? confidential
        ? 'the IdP did not accept the client: check the client id, the secret and the client authentication method.'
        : 'the IdP did not accept this public client here: check the client id and that the app may use this grant.'
      : 'the IdP does not let a public client (no secret) revoke tokens; the local login can still be removed.';
  return {
    code: 'clientRejected',
    message: `${what} was refused with HTTP ${status} and no explanation; ${check}`,
    status,
  };
}

/** Scrubs the call's secrets (also URL-encoded) and anything token-shaped from IdP text, and caps its length. */
function scrubberOf(secrets: readonly string[]): (text: string) => string {
  return (text) =>
    secrets
      .filter((secret) => secret.length >= 4)
      .flatMap((secret) => [secret, encodeURIComponent(secret)])
      .reduce((out, secret) => out.replaceAll(secret, '[redacted]'), redactText(text))
      .replace(/^(.{320}).+$/s, '$1…');
}

/** A Map, not an object literal: an error named "toString" must not find Object.prototype (found by fuzzing). */
const ERROR_CODES = new Map<string, FailureCode>([
  ['invalid_grant', 'invalidGrant'],
  ['access_denied', 'accessDenied'],
  // Entra ID's name for a declined device code (RFC 8628 §3.5 says access_denied).
  ['authorization_declined', 'accessDenied'],
  ['expired_token', 'expiredToken'],
  // The IdP refusing the client is not CDF refusing a token.
  ['invalid_client', 'clientRejected'],
  ['unauthorized_client', 'clientRejected'],
]);

/**
 * A refusal with what the answer's body said beside a challenge (RFC 6749 §5.2: a 401 may come with a
 * `WWW-Authenticate` header and an error body): its description and the IdP's diagnostics.
 */
function withDiagnostics(
  refusal: Failure | undefined,
  body: unknown,
  scrub: (text: string) => string,
): Failure | undefined {
  if (!refusal || refusal.idpDiagnostics) return refusal;
  const diagnostics = diagnosticsOf(body);
  const description = (body as { error_description?: unknown } | undefined)?.error_description;
  if (!diagnostics && typeof description !== 'string') return refusal;
  const quoted = [
    typeof description === 'string' ? scrub(description) : '',
    diagnostics?.traceId ? `trace_id ${diagnostics.traceId}` : '',
    diagnostics?.correlationId ? `correlation_id ${diagnostics.correlationId}` : '',
  ].filter(Boolean);
  return {
    ...refusal,
    message: `${refusal.message} The IdP said: ${saidOf(quoted)}`,
    ...(diagnostics ? { idpDiagnostics: diagnostics } : {}),
  };
}

/** Identifiers an IdP gives for its admins (Entra's), kept only in their expected shapes. */
function diagnosticsOf(body: unknown): IdpDiagnostics | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const {
    error_codes: codes,
    trace_id: trace,
    correlation_id: correlation,
    timestamp,
  } = body as Record<string, unknown>;
  const id = (value: unknown) => (typeof value === 'string' && /^[\w-]{1,64}$/.test(value) ? value : undefined);
  const out = {
    ...(Array.isArray(codes) && codes.every((c) => Number.isInteger(c))
      ? { errorCodes: codes.slice(0, 5) as number[] }
      : {}),
    ...(id(trace) ? { traceId: id(trace) } : {}),
    ...(id(correlation) ? { correlationId: id(correlation) } : {}),
    ...(typeof timestamp === 'string' && /^[\d :TZ.+-]{10,40}$/.test(timestamp) ? { timestamp } : {}),
  };
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The IdP said no: an OAuth error body, a WWW-Authenticate challenge, or an error on the callback. */
function refusalOf(error: unknown, what: string, scrub: (text: string) => string): Failure | undefined {
  if (error instanceof oauth.ResponseBodyError) {
    const diagnostics = diagnosticsOf(error.cause);
    const quoted = [
      diagnostics?.traceId ? `trace_id ${diagnostics.traceId}` : '',
      diagnostics?.correlationId ? `correlation_id ${diagnostics.correlationId}` : '',
    ].filter(Boolean);
    return {
      code: ERROR_CODES.get(error.error) ?? 'idpError',
      message: `${what} was refused: ${scrub(error.error)}${error.error_description ? ` (${scrub(error.error_description)})` : ''}.${quoted.length > 0 ? ` Quote to the IdP's admins: ${quoted.join(', ')}.` : ''}`,
      status: error.status,
      ...(diagnostics ? { idpDiagnostics: diagnostics } : {}),
    };
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    // RFC 6749 5.2: a 401 invalid_client may come as a WWW-Authenticate challenge.
    const name = String(error.cause[0]?.parameters.error ?? 'invalid_client');
    return {
      code: name === 'invalid_client' || error.status === 401 ? 'clientRejected' : 'idpError',
      message: `${what} was refused: ${scrub(name)}; check the client id and secret.`,
      status: error.status,
    };
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    return {
      code: error.error === 'access_denied' ? 'accessDenied' : 'idpError',
      message: `The IdP answered ${scrub(error.error)}.`,
    };
  }
  return undefined;
}

/** What oauth4webapi found wrong with an answer, or what else went wrong. */
function failureOf(
  error: unknown,
  what: string,
  scrub: (text: string) => string,
  comparisonCode: FailureCode,
): Failure {
  if (error instanceof oauth.OperationProcessingError) {
    return { code: processingCode(error, comparisonCode), message: `${what} failed: ${scrub(error.message)}.` };
  }
  if (error instanceof oauth.UnsupportedOperationError && /\b(JWT|JWS)\b/.test(error.message)) {
    // The only JWTs this client processes are ID tokens: an algorithm it does not support is one of theirs.
    return { code: 'idTokenInvalid', message: `${what} failed: ${scrub(error.message)}.` };
  }
  if (error instanceof TypeError && !(error instanceof oauth.UnsupportedOperationError)) {
    return { code: 'network', message: `${what} could not reach the IdP${whyUnreached(error)}.` };
  }
  return { code: 'invalidResponse', message: `${what} failed: ${scrub(String((error as Error)?.message ?? error))}.` };
}

/** Why fetch got no answer, where the system said more than fetch's own "fetch failed". */
function whyUnreached(error: TypeError): string {
  const why = connectionFailureOf(error);
  return why === error.message ? '' : ` (${why})`;
}

/** The failure code of an oauth4webapi processing error. */
function processingCode(error: oauth.OperationProcessingError, comparisonCode: FailureCode): FailureCode {
  if (error.code === oauth.JSON_ATTRIBUTE_COMPARISON || error.code === oauth.JWT_CLAIM_COMPARISON) {
    return comparisonCode === 'idpError' ? 'idTokenInvalid' : comparisonCode;
  }
  if (error.code === oauth.HTTP_REQUEST_FORBIDDEN || error.code === oauth.REQUEST_PROTOCOL_FORBIDDEN) {
    return 'insecureEndpoint';
  }
  // oauth4webapi reports a JWT's missing or malformed claim as INVALID_RESPONSE with the claims beside it.
  const cause = error.cause;
  const aboutIdToken =
    error.code === oauth.JWT_TIMESTAMP_CHECK ||
    (typeof cause === 'object' && cause !== null && ('claims' in cause || 'header' in cause)) ||
    /\b(JWT|JWS|ID Token)\b/.test(error.message);
  return aboutIdToken ? 'idTokenInvalid' : 'invalidResponse';
}

/** A copy of an error chain that keeps names, codes and scrubbed messages, and nothing the IdP sent beside them. */
function scrubbedCause(error: unknown, scrub: (text: string) => string, depth = 0): Error | undefined {
  if (!(error instanceof Error) || depth > 3) return undefined;
  const inner = scrubbedCause(error.cause, scrub, depth + 1);
  const copy = new Error(scrub(error.message), inner ? { cause: inner } : {});
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}

/** What the IdP said, quoted parts joined into one sentence: each part's own full stop dropped, one at the end. */
function saidOf(quoted: readonly string[]): string {
  return `${quoted.map((part) => part.replace(/[.\s]+$/, '')).join('; ')}.`;
}
