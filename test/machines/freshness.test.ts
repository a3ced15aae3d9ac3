import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { sessionMachine } from '../../machines/session.js';
import { DEFAULT_LEEWAY_MS, isFresh } from '../../machines/shared/freshness.js';

describe('isFresh: the one freshness rule', () => {
  it('a credential is fresh exactly while it expires more than the leeway after now', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat({ max: 600_000 }), (expiresAt, now, leewayMs) => {
        expect(isFresh({ expiresAt }, now, leewayMs)).toBe(expiresAt - leewayMs > now);
      }),
    );
  });

  it('the default leeway is 30 s, and a credential without expiry is fresh until CDF refuses it', () => {
    expect(DEFAULT_LEEWAY_MS).toBe(30_000);
    expect(isFresh({ expiresAt: 100_000 }, 100_000 - 30_001)).toBe(true);
    expect(isFresh({ expiresAt: 100_000 }, 100_000 - 30_000)).toBe(false);
    expect(isFresh({ expiresAt: null }, Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('the session machine refreshes on GET_TOKEN exactly when isFresh says the token is stale', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat({ max: 600_000 }), (expiresAt, now, leewayMs) => {
        const tokens = { accessToken: 'a', tokenType: 'Bearer', expiresAt };
        const [start] = initialTransition(sessionMachine, { tokens, leewayMs });
        const [next] = transition(sessionMachine, start, { type: 'GET_TOKEN', now });
        expect(next.value).toBe(isFresh(tokens, now, leewayMs) ? 'authenticated' : 'renewing');
      }),
    );
  });
});
