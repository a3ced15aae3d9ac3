/** `getToken()` under load: 10,000 callers at once share one refresh request and all get the token. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionFor } from '../../src/session/oidc-session.js';
import { createSession } from '../../src/session/session.js';
import { json, startFakeIdp } from '../helpers/fake-idp.js';

let idp: Awaited<ReturnType<typeof startFakeIdp>>;
beforeAll(async () => {
  idp = await startFakeIdp();
});
afterAll(() => idp.close());

describe('session.getToken is O(1) per caller', () => {
  it('10,000 concurrent calls on an expiring token: exactly 1 refresh request, 10,000 resolved tokens', async () => {
    idp.on('/token', (_req, res) =>
      setTimeout(
        () => json(res, 200, { access_token: 'fresh-at', token_type: 'Bearer', expires_in: 600, refresh_token: 'rt2' }),
        50,
      ),
    );
    const session = sessionFor(
      { tokens: { accessToken: 'old-at', tokenType: 'Bearer', expiresAt: Date.now() + 5_000, refreshToken: 'rt1' } },
      { issuer: idp.issuer, clientId: 'cli', baseUrl: 'http://127.0.0.1:1' },
    );
    const results = await Promise.allSettled(Array.from({ length: 10_000 }, () => session.getToken()));
    expect(idp.hits.get('/token')).toBe(1);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === 'fresh-at')).toHaveLength(10_000);
    session.logout();
  });

  it('a fresh token is answered without an event to the actor', async () => {
    const session = createSession({
      tokens: { accessToken: 'at', tokenType: 'Bearer', expiresAt: Date.now() + 600_000 },
      refresh: () => Promise.reject(new Error('no refresh expected')),
    });
    let events = 0;
    const send = session.actor.send.bind(session.actor);
    session.actor.send = (event) => {
      events += 1;
      send(event);
    };
    const tokens = await Promise.all(Array.from({ length: 1_000 }, () => session.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['at']));
    expect(events).toBe(0);
    session.logout();
  });

  it('callers after a failed refresh start one new refresh, not one each', async () => {
    let calls = 0;
    const session = createSession({
      tokens: { accessToken: 'at', tokenType: 'Bearer', expiresAt: Date.now() + 1_000, refreshToken: 'r' },
      refresh: async () => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('down'), { code: 'network', message: 'down' });
        return { accessToken: 'at2', tokenType: 'Bearer', expiresAt: Date.now() + 600_000 };
      },
    });
    const first = await Promise.allSettled(Array.from({ length: 100 }, () => session.getToken()));
    expect(first.every((r) => r.status === 'fulfilled' && r.value === 'at')).toBe(true);
    const second = await Promise.all(Array.from({ length: 100 }, () => session.getToken()));
    expect(new Set(second)).toEqual(new Set(['at2']));
    expect(calls).toBe(2);
    session.logout();
  });
});
