/**
 * OpenID Connect on the wire, through `oauth4webapi` (request building and response processing) and
 * `jose` (ID-token signatures against the IdP's JWKS). The machines decide; this module only talks.
 */
import {
  createRemoteJWKSet,
  type JWTPayload,
  customFetch as joseCustomFetch,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import * as oauth from 'oauth4webapi';
import type { DeviceAuthorization, PollResult } from '../../machines/device-code.js';
import type { Failure, FailureCode } from '../../machines/failure.js';
import type { IdClaims, IdpMetadata, TokenSet } from '../../machines/tokens.js';
import { AuthFlowError } from '../errors/auth-flow-error.js';
import { isLoopbackHost } from './http.js';
import { type IdpAnswerRecord, idpFetch } from './idp-fetch.js';
import { redactText } from './redact.js';

/** Options of {@link createOidcClient}. */
export interface OidcClientOptions {
  /** The issuer identifier; discovery must answer with exactly this `issuer`. */
  readonly issuer: string;
  readonly clientId: string;
  /** For confidential clients (client_secret_basic). Public clients (CLI, SPA) have none. */
  readonly clientSecret?: string;
  /** ID-token signature algorithms accepted. `none` and HS* are never accepted. @default ['RS256', 'ES256'] */
  readonly idTokenAlgorithms?: readonly string[];
  /** The one clock skew allowed for `exp`, `iat`, `nbf`, ms. @default 60000 */
  readonly clockSkewMs?: number;
  /** How long after a JWKS fetch an unknown `kid` may trigger another, ms. @default 30000 */
  readonly jwksCooldownMs?: number;
  /** Deadline for each request, ms. @default 15000 */
  readonly timeoutMs?: number;
  /** Lifetime assumed when the token response has no `expires_in`, ms. @default 300000 */
  readonly defaultExpiresInMs?: number;
  /** A `fetch` for every IdP request (discovery, token, device, JWKS). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The largest IdP answer accepted, in bytes; the connection is dropped past it. @default 1048576 */
  readonly maxBodyBytes?: number;
  /** Retries of an IdP 429 or 503 within the deadline, honouring `Retry-After` (a code exchange: at most 1). @default 2 */
  readonly retryLimit?: number;
}

/** A client of one IdP. Create it with {@link createOidcClient}. */
export interface OidcClient {
  /** Discovery (`/.well-known/openid-configuration`); fails with `issuerMismatch` unless `issuer` matches exactly. */
  discover(signal?: AbortSignal): Promise<IdpMetadata>;
  /** The authorization URL: `response_type=code`, PKCE S256 always, `state` and `nonce`. */
  authorizationUrl(input: {
    redirectUri: string;
    scope: string;
    state: string;
    nonce: string;
    codeVerifier: string;
    prompt?: string;
  }): Promise<string>;
  /** Checks the callback again (state, iss) and redeems its code once. */
  exchangeCode(
    input: { callbackUrl: string; redirectUri: string; state: string; codeVerifier: string; nonce: string },
    signal?: AbortSignal,
  ): Promise<TokenSet>;
  /** Validates an ID token: signature from `jwks_uri`, algorithm allow-list, iss, aud/azp, exp/iat, nonce. */
  validateIdToken(idToken: string, expected: { nonce?: string | null; original?: IdClaims | null }): Promise<IdClaims>;
  /** The refresh-token grant (RFC 6749 §6); a rotated refresh token comes back in the set. */
  refresh(refreshToken: string, signal?: AbortSignal): Promise<TokenSet>;
  /** The client-credentials grant (RFC 6749 §4.4), with an RFC 8707 `resource` when the IdP needs one. */
  clientCredentials(input: { scope: string; resource?: string }, signal?: AbortSignal): Promise<TokenSet>;
  /** The device authorization request (RFC 8628 §3.1). */
  requestDeviceCode(input: { scope: string }, signal?: AbortSignal): Promise<DeviceAuthorization>;
  /** One device token poll (RFC 8628 §3.4): tokens, or pending, slow down, denied, expired. */
  pollDeviceCode(deviceCode: string, signal?: AbortSignal): Promise<PollResult>;
}

const FORBIDDEN_ALGS = /^(none|HS\d+)$/i;

/**
 * Creates an {@link OidcClient}. Plain `http` is refused except on loopback addresses (the emulator).
 *
 * @example
 * ```ts
 * const idp = createOidcClient({ issuer: 'https://login.example.com', clientId: 'cli' });
 * const metadata = await idp.discover();
 * ```
 * @see RFC 8414, RFC 7636, RFC 9207, OpenID Connect Core 1.0 section 3.1.3.7
 */
export function createOidcClient(options: OidcClientOptions): OidcClient {
  const issuer = new URL(options.issuer);
  const timeoutMs = options.timeoutMs ?? 15_000;
  // JWT times are whole seconds: the skew is applied in their unit.
  const skewSeconds = (options.clockSkewMs ?? 60_000) / 1000;
  const insecure = issuer.protocol === 'http:' && isLoopbackHost(issuer);
  const algorithms = (options.idTokenAlgorithms ?? ['RS256', 'ES256']).filter((alg) => !FORBIDDEN_ALGS.test(alg));
  const client: oauth.Client = {
    client_id: options.clientId,
    [oauth.clockSkew]: 0,
    [oauth.clockTolerance]: skewSeconds,
  };
  const auth = options.clientSecret ? oauth.ClientSecretBasic(options.clientSecret) : oauth.None();
  const secrets = [options.clientSecret ?? ''];
  const limits = (deadline: number, record: IdpAnswerRecord) =>
    idpFetch({
      deadline,
      record,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
      ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
    });
  /** One request's signal, deadline and limits; `held` are the secrets of this call, scrubbed from its errors. */
  const http = (signal?: AbortSignal, held: readonly (string | undefined)[] = []) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const record: IdpAnswerRecord = {};
    return {
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      deadline,
      user: signal,
      record,
      secrets: [...secrets, ...held.filter((value): value is string => typeof value === 'string')],
      ...(insecure ? { [oauth.allowInsecureRequests]: true } : {}),
      [oauth.customFetch]: limits(Date.now() + timeoutMs, record) as never,
    };
  };
  let server: oauth.AuthorizationServer | undefined;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  const as = async (signal?: AbortSignal): Promise<oauth.AuthorizationServer> => {
    if (server) return server;
    const request = http(signal);
    try {
      const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...request });
      server = await oauth.processDiscoveryResponse(issuer, response);
    } catch (error) {
      throw toAuthFlowError(error, 'IdP discovery', request, 'issuerMismatch');
    }
    return server;
  };

  const tokenSet = (response: oauth.TokenEndpointResponse, requestedScope?: string): TokenSet => {
    if (response.token_type.toLowerCase() !== 'bearer') {
      throw new AuthFlowError({
        code: 'invalidResponse',
        message: `The IdP issued a token of type ${response.token_type}, not Bearer.`,
      });
    }
    const expiresIn =
      typeof response.expires_in === 'number' ? response.expires_in : (options.defaultExpiresInMs ?? 300_000) / 1000;
    const scope = response.scope ?? requestedScope;
    return {
      accessToken: response.access_token,
      tokenType: 'Bearer',
      expiresAt: Date.now() + expiresIn * 1000,
      ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
      ...(response.id_token ? { idToken: response.id_token } : {}),
      ...(scope ? { scope } : {}),
    };
  };

  const call = async <T>(
    what: string,
    signal: AbortSignal | undefined,
    held: readonly (string | undefined)[],
    run: (request: ReturnType<typeof http>) => Promise<T>,
  ) => {
    const request = http(signal, held);
    try {
      return await run(request);
    } catch (error) {
      throw toAuthFlowError(error, what, request, 'idpError');
    }
  };

  return {
    async discover(signal) {
      const metadata = await as(signal);
      return {
        issuer: metadata.issuer,
        issParameterSupported: metadata.authorization_response_iss_parameter_supported === true,
        s256Supported: (metadata.code_challenge_methods_supported ?? []).includes('S256'),
      };
    },
    async authorizationUrl(input) {
      const metadata = await as();
      if (!metadata.authorization_endpoint) {
        throw new AuthFlowError({ code: 'invalidResponse', message: 'The IdP has no authorization endpoint.' });
      }
      const url = new URL(metadata.authorization_endpoint);
      url.search = new URLSearchParams({
        client_id: options.clientId,
        response_type: 'code',
        redirect_uri: input.redirectUri,
        scope: input.scope,
        state: input.state,
        nonce: input.nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(input.codeVerifier),
        code_challenge_method: 'S256',
        ...(input.prompt ? { prompt: input.prompt } : {}),
      }).toString();
      return url.toString();
    },
    exchangeCode: (input, signal) =>
      call('The code exchange', signal, [codeOf(input.callbackUrl), input.codeVerifier], async (request) => {
        const metadata = await as(signal);
        const params = oauth.validateAuthResponse(metadata, client, new URL(input.callbackUrl), input.state);
        const response = await oauth.authorizationCodeGrantRequest(
          metadata,
          client,
          auth,
          params,
          input.redirectUri,
          input.codeVerifier,
          request,
        );
        return tokenSet(
          await oauth.processAuthorizationCodeResponse(metadata, client, response, {
            expectedNonce: input.nonce,
            requireIdToken: true,
          }),
        );
      }),
    async validateIdToken(idToken, expected) {
      const metadata = await as();
      if (!metadata.jwks_uri)
        throw new AuthFlowError({ code: 'idTokenInvalid', message: 'The IdP publishes no jwks_uri.' });
      jwks ??= createRemoteJWKSet(new URL(metadata.jwks_uri), {
        cooldownDuration: options.jwksCooldownMs ?? 30_000,
        timeoutDuration: timeoutMs,
        [joseCustomFetch]: ((url: string, init: RequestInit) => limits(Date.now() + timeoutMs, {})(url, init)) as never,
      });
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(idToken, jwks, {
          issuer: metadata.issuer,
          audience: options.clientId,
          algorithms: [...algorithms],
          clockTolerance: skewSeconds,
          requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
        }));
      } catch (error) {
        throw new AuthFlowError(
          { code: 'idTokenInvalid', message: `The ID token did not verify (${joseReason(error)}); sign in again.` },
          { cause: error },
        );
      }
      // jose checks iat only against maxTokenAge: a token from the future would pass (OIDC Core 3.1.3.7).
      if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + skewSeconds) {
        throw new AuthFlowError({
          code: 'idTokenInvalid',
          message: 'The ID token was issued in the future (iat); check the clock, then sign in again.',
        });
      }
      const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (audiences.length > 1 && payload.azp !== options.clientId) {
        throw new AuthFlowError({
          code: 'idTokenInvalid',
          message: 'The ID token has several audiences and azp is not this client.',
        });
      }
      if (typeof expected.nonce === 'string' && payload.nonce !== expected.nonce) {
        throw new AuthFlowError({ code: 'idTokenInvalid', message: 'The ID token nonce does not match this sign-in.' });
      }
      const original = expected.original;
      // OIDC Core 12.2: an ID token from a refresh keeps iss, sub and aud.
      if (
        original &&
        (payload.iss !== original.iss ||
          payload.sub !== original.sub ||
          JSON.stringify(payload.aud) !== JSON.stringify(original.aud))
      ) {
        throw new AuthFlowError({
          code: 'idTokenInvalid',
          message: 'The refreshed ID token names another issuer, subject or audience.',
        });
      }
      return {
        iss: String(payload.iss),
        sub: String(payload.sub),
        aud: payload.aud as string | string[],
        ...(typeof payload.name === 'string' ? { name: payload.name } : {}),
        ...(typeof payload.email === 'string' ? { email: payload.email } : {}),
      };
    },
    refresh: (refreshToken, signal) =>
      call('The token refresh', signal, [refreshToken], async (request) => {
        const metadata = await as(signal);
        const response = await oauth.refreshTokenGrantRequest(metadata, client, auth, refreshToken, request);
        return tokenSet(await oauth.processRefreshTokenResponse(metadata, client, response));
      }),
    clientCredentials: (input, signal) =>
      call('The client-credentials request', signal, [], async (request) => {
        const metadata = await as(signal);
        const response = await oauth.clientCredentialsGrantRequest(
          metadata,
          client,
          auth,
          { scope: input.scope, ...(input.resource ? { resource: input.resource } : {}) },
          request,
        );
        return tokenSet(await oauth.processClientCredentialsResponse(metadata, client, response), input.scope);
      }),
    requestDeviceCode: (input, signal) =>
      call('The device authorization request', signal, [], async (request) => {
        const metadata = await as(signal);
        const response = await oauth.deviceAuthorizationRequest(
          metadata,
          client,
          auth,
          { scope: input.scope },
          request,
        );
        const answer = await oauth.processDeviceAuthorizationResponse(metadata, client, response);
        return {
          deviceCode: answer.device_code,
          userCode: answer.user_code,
          verificationUri: answer.verification_uri,
          ...(answer.verification_uri_complete ? { verificationUriComplete: answer.verification_uri_complete } : {}),
          expiresIn: answer.expires_in,
          ...(typeof answer.interval === 'number' ? { interval: answer.interval } : {}),
        };
      }),
    pollDeviceCode: (deviceCode, signal) =>
      call('The device token poll', signal, [deviceCode], async (request): Promise<PollResult> => {
        const metadata = await as(signal);
        const response = await oauth.deviceCodeGrantRequest(metadata, client, auth, deviceCode, request);
        try {
          return {
            kind: 'tokens',
            tokens: tokenSet(await oauth.processDeviceCodeResponse(metadata, client, response)),
          };
        } catch (error) {
          // RFC 8628 3.5: these four are steps of the poll, not failures.
          if (error instanceof oauth.ResponseBodyError) {
            if (error.error === 'authorization_pending') return { kind: 'pending' };
            if (error.error === 'slow_down') return { kind: 'slowDown' };
            if (error.error === 'access_denied') return { kind: 'denied' };
            if (error.error === 'expired_token') return { kind: 'expired' };
          }
          throw error;
        }
      }),
  };
}

/** The `code` parameter of a callback URL, so that an IdP echoing it cannot put it in a message. */
function codeOf(callbackUrl: string): string | undefined {
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
function toAuthFlowError(
  error: unknown,
  what: string,
  request: {
    deadline: AbortSignal;
    user?: AbortSignal | undefined;
    record: IdpAnswerRecord;
    secrets: readonly string[];
  },
  comparisonCode: FailureCode,
): AuthFlowError {
  const scrub = (text: string) =>
    request.secrets
      .filter((secret) => secret.length >= 4)
      .flatMap((secret) => [secret, encodeURIComponent(secret)])
      .reduce((out, secret) => out.replaceAll(secret, '[redacted]'), redactText(text))
      .slice(0, 200);
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
  if (error instanceof oauth.ResponseBodyError) {
    // A Map, not an object literal: an error named "toString" must not find Object.prototype (found by fuzzing).
    const codes = new Map<string, FailureCode>([
      ['invalid_grant', 'invalidGrant'],
      ['access_denied', 'accessDenied'],
      ['expired_token', 'expiredToken'],
      ['invalid_client', 'tokenRejected'],
      ['unauthorized_client', 'tokenRejected'],
    ]);
    return make({
      code: codes.get(error.error) ?? 'idpError',
      message: `${what} was refused: ${scrub(error.error)}${error.error_description ? ` (${scrub(error.error_description)})` : ''}.`,
      status: error.status,
    });
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    // RFC 6749 5.2: a 401 invalid_client may come as a WWW-Authenticate challenge.
    const challenge = error.cause[0];
    const name = String(challenge?.parameters.error ?? 'invalid_client');
    return make({
      code: name === 'invalid_client' || error.status === 401 ? 'tokenRejected' : 'idpError',
      message: `${what} was refused: ${scrub(name)}; check the client id and secret.`,
      status: error.status,
    });
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    return make({
      code: error.error === 'access_denied' ? 'accessDenied' : 'idpError',
      message: `The IdP answered ${scrub(error.error)}.`,
    });
  }
  if (error instanceof oauth.OperationProcessingError) {
    // oauth4webapi reports a JWT's missing or malformed claim as INVALID_RESPONSE with the claims beside it.
    const aboutIdToken =
      error.code === oauth.JWT_TIMESTAMP_CHECK ||
      (error.code !== oauth.JSON_ATTRIBUTE_COMPARISON &&
        ((typeof error.cause === 'object' &&
          error.cause !== null &&
          ('claims' in error.cause || 'header' in error.cause)) ||
          /\b(JWT|JWS|ID Token)\b/.test(error.message)));
    const code: FailureCode =
      error.code === oauth.JSON_ATTRIBUTE_COMPARISON || error.code === oauth.JWT_CLAIM_COMPARISON
        ? comparisonCode === 'idpError'
          ? 'idTokenInvalid'
          : comparisonCode
        : error.code === oauth.HTTP_REQUEST_FORBIDDEN || error.code === oauth.REQUEST_PROTOCOL_FORBIDDEN
          ? 'insecureEndpoint'
          : aboutIdToken
            ? 'idTokenInvalid'
            : 'invalidResponse';
    return make({ code, message: `${what} failed: ${scrub(error.message)}.` });
  }
  if (error instanceof oauth.UnsupportedOperationError && /\b(JWT|JWS)\b/.test(error.message)) {
    // The only JWTs this client processes are ID tokens: an algorithm it does not support is one of theirs.
    return make({ code: 'idTokenInvalid', message: `${what} failed: ${scrub(error.message)}.` });
  }
  if (error instanceof TypeError && !(error instanceof oauth.UnsupportedOperationError)) {
    return make({ code: 'network', message: `${what} could not reach the IdP.` });
  }
  return make({
    code: 'invalidResponse',
    message: `${what} failed: ${scrub(String((error as Error)?.message ?? error))}.`,
  });
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

function joseReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim} is wrong`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no matching key';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'malformed';
  return 'not verifiable';
}
