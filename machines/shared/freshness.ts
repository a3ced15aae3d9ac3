/**
 * The one rule for "may this credential still be used?", shared by the session machine, the CLI's cache,
 * the browser driver and `defaultCredential`: a credential is fresh while it expires more than
 * `leewayMs` after `now`. Renewing a little early keeps a token from expiring on its way to CDF.
 */

/** How long before expiry a credential counts as stale, ms: the default of every `leewayMs` option. */
export const DEFAULT_LEEWAY_MS = 30_000;

/**
 * True when `credential` expires more than `leewayMs` after `now` (ms since epoch). A credential with
 * `expiresAt: null` (an API key, a token CDF did not date) has no expiry of its own: fresh until CDF
 * refuses it. `leewayMs: 0` asks "not yet expired".
 *
 * @example
 * ```ts
 * isFresh({ expiresAt: Date.now() + 60_000 }, Date.now()); // true: a minute left, 30 s leeway
 * isFresh({ expiresAt: Date.now() + 10_000 }, Date.now()); // false: renew now
 * ```
 */
export function isFresh(
  credential: { readonly expiresAt: number | null },
  now: number,
  leewayMs: number = DEFAULT_LEEWAY_MS,
): boolean {
  return credential.expiresAt === null || credential.expiresAt - leewayMs > now;
}
