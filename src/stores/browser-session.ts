/**
 * The signed-in browser session between page loads, where the app chose to keep it (`persist: 'session'`
 * or `'local'`): the token set and the original ID-token claims (for the refresh rule of OIDC Core §12.2),
 * versioned, read by parsing, dropped when unreadable.
 */

import { isFresh } from '../../machines/shared/freshness.js';
import type { IdClaims, TokenSet } from '../../machines/shared/tokens.js';
import type { FlowStorage } from './pending-flow.js';

/** What is kept of a signed-in session. Secret: it holds the tokens. */
export interface PersistedSession {
  readonly tokens: TokenSet;
  readonly claims: IdClaims | null;
}

const VERSION = 1;
const keyOf = (flow: string) => `cdf-authflow:session:${flow}`;

/** Keeps the session. */
export function saveSession(storage: FlowStorage, flow: string, session: PersistedSession): void {
  storage.setItem(keyOf(flow), JSON.stringify({ v: VERSION, ...session }));
}

/** The kept session, or `null` when there is none, it is unreadable, or it can no longer be used. */
export function readSession(storage: FlowStorage, flow: string, now: number): PersistedSession | null {
  const raw = storage.getItem(keyOf(flow));
  if (raw === null) return null;
  let record: { v?: unknown; tokens?: Partial<TokenSet>; claims?: unknown } | null;
  try {
    record = JSON.parse(raw);
  } catch {
    record = null;
  }
  const tokens = record?.tokens;
  const usable =
    record?.v === VERSION &&
    typeof tokens?.accessToken === 'string' &&
    typeof tokens.tokenType === 'string' &&
    typeof tokens.expiresAt === 'number' &&
    (isFresh(tokens as TokenSet, now, 0) || typeof tokens.refreshToken === 'string');
  if (!usable) {
    storage.removeItem(keyOf(flow));
    return null;
  }
  const claims = record?.claims as Partial<IdClaims> | null | undefined;
  const validClaims = typeof claims?.iss === 'string' && typeof claims.sub === 'string' ? (claims as IdClaims) : null;
  return { tokens: tokens as TokenSet, claims: validClaims };
}

/** Forgets the kept session. */
export function clearSession(storage: FlowStorage, flow: string): void {
  storage.removeItem(keyOf(flow));
}
