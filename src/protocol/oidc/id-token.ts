/**
 * ID-token validation (OpenID Connect Core §3.1.3.7, docs/security.md §3.3): the signature against the
 * IdP's JWKS (one refetch for an unknown `kid`, with a cooldown), the algorithm allow-list, `iss`,
 * `aud`/`azp`, `exp`/`iat` with one skew and no `iat` in the future, the nonce, and for a refreshed ID
 * token the rule of §12.2.
 */
// jose by subpath: its root entry loads 46 modules, these few (a CLI's and a server's cold start).

import type { JWTPayload } from 'jose';
import * as joseErrors from 'jose/errors';
import { createRemoteJWKSet, customFetch as joseCustomFetch } from 'jose/jwks/remote';
import { decodeJwt } from 'jose/jwt/decode';
import { jwtVerify } from 'jose/jwt/verify';
import type { IdClaims } from '../../../machines/shared/tokens.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { type IdpContext, limitedFetch } from './context.js';
import { expectedIssuerOf, metadataOf } from './discovery.js';

const invalid = (message: string, cause?: unknown) =>
  new AuthFlowError({ code: 'idTokenInvalid', message }, cause === undefined ? undefined : { cause });

/** What the ID token must agree with: the sign-in's nonce, and for a refresh the original claims. */
export interface IdTokenExpectations {
  readonly nonce?: string | null;
  readonly original?: IdClaims | null;
}

/** Validates an ID token and returns its claims; `idTokenInvalid` for every failure. */
export async function validateIdToken(
  idp: IdpContext,
  idToken: string,
  expected: IdTokenExpectations,
): Promise<IdClaims> {
  const payload = await verifiedPayload(idp, idToken);
  // jose checks iat only against maxTokenAge: a token from the future would pass.
  if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + idp.skewSeconds) {
    throw invalid('The ID token was issued in the future (iat); check the clock, then sign in again.');
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (audiences.length > 1 && payload.azp !== idp.options.clientId) {
    throw invalid('The ID token has several audiences and azp is not this client.');
  }
  if (typeof expected.nonce === 'string' && payload.nonce !== expected.nonce) {
    throw invalid('The ID token nonce does not match this sign-in.');
  }
  const original = expected.original;
  // §12.2: an ID token from a refresh keeps iss, sub and aud.
  if (
    original &&
    (payload.iss !== original.iss ||
      payload.sub !== original.sub ||
      JSON.stringify(payload.aud) !== JSON.stringify(original.aud))
  ) {
    throw invalid('The refreshed ID token names another issuer, subject or audience.');
  }
  return {
    iss: String(payload.iss),
    sub: String(payload.sub),
    aud: payload.aud as string | string[],
    ...(typeof payload.name === 'string' ? { name: payload.name } : {}),
    ...(typeof payload.email === 'string' ? { email: payload.email } : {}),
  };
}

async function verifiedPayload(idp: IdpContext, idToken: string): Promise<JWTPayload> {
  const metadata = await metadataOf(idp);
  if (!metadata.jwks_uri) throw invalid('The IdP publishes no jwks_uri.');
  const jwks = keySetOf(idp, metadata.jwks_uri);
  try {
    // For a multi-tenant authority the issuer depends on the token's tid; the signature then covers both.
    const issuer = expectedIssuerOf(metadata, decodeJwt(idToken));
    const { payload } = await jwtVerify(idToken, jwks, {
      issuer,
      audience: idp.options.clientId,
      algorithms: [...idp.algorithms],
      clockTolerance: idp.skewSeconds,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
    });
    return payload;
  } catch (error) {
    throw invalid(`The ID token did not verify (${joseReason(error)}); sign in again.`, error);
  }
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * The IdPs' key sets, shared by every client and flow of the process: one per `jwks_uri` and way of
 * fetching (the `fetch` and limits of the first client that asked). jose keeps the keys and refetches on
 * an unknown `kid`, at most once per cooldown, so a sign-in after the first costs no JWKS request.
 */
const keySets = new Map<string, KeySet>();
/** Keeps {@link keySets} bounded in a process that makes clients with ever new `fetch` functions. */
const MAX_KEY_SETS = 64;
const fetchIds = new WeakMap<typeof fetch, number>();
let nextFetchId = 1;

function keySetOf(idp: IdpContext, uri: string): KeySet {
  const { fetch, jwksCooldownMs, maxBodyBytes, retryLimit } = idp.options;
  let fetchId = 0;
  if (fetch) {
    fetchId = fetchIds.get(fetch) ?? nextFetchId++;
    fetchIds.set(fetch, fetchId);
  }
  const key = JSON.stringify([uri, fetchId, jwksCooldownMs, idp.timeoutMs, maxBodyBytes, retryLimit]);
  let keySet = keySets.get(key);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(uri), {
      cooldownDuration: jwksCooldownMs ?? 30_000,
      timeoutDuration: idp.timeoutMs,
      [joseCustomFetch]: ((url: string, init: RequestInit) =>
        limitedFetch(idp, Date.now() + idp.timeoutMs, {})(url, init)) as never,
    });
    if (keySets.size >= MAX_KEY_SETS) keySets.delete(keySets.keys().next().value as string);
    keySets.set(key, keySet);
  }
  return keySet;
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
