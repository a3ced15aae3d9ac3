/** Validation of the legacy login-URL tokens, shared by the Node and browser drivers. */
import { decodeJwt } from 'jose/jwt/decode';
import type { LegacyTokens, LegacyValidation } from '../../machines/login-url.js';
import type { createCdfClient } from './cdf.js';

/**
 * `/login/token` and `/login/status` in parallel, as the JS SDK v1 did (docs/cdf-api.md §5.1); the machine
 * decides what the answers mean.
 */
export async function validateLegacyTokens(
  cdf: ReturnType<typeof createCdfClient>,
  tokens: LegacyTokens,
  signal?: AbortSignal,
): Promise<LegacyValidation> {
  const [token, status] = await Promise.all([
    cdf.getTokenStatus(tokens.idToken, signal ? { signal } : {}),
    cdf.getLoginStatus({ accessToken: tokens.accessToken }, signal ? { signal } : {}),
  ]);
  return { token, status, expiresAt: legacyExpiry(tokens.idToken) };
}

/** `expire_time` (or `exp`) of a legacy ID token in ms, for scheduling only; `null` when unreadable. */
export function legacyExpiry(idToken: string): number | null {
  try {
    const claims = decodeJwt(idToken);
    const seconds = typeof claims.expire_time === 'number' ? claims.expire_time : claims.exp;
    return typeof seconds === 'number' && Number.isFinite(seconds) ? seconds * 1000 : null;
  } catch {
    return null;
  }
}
