import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import { loginUrlMachine } from '../../machines/login-url.js';
import { sessionMachine } from '../../machines/session.js';
import { createSession } from '../../src/session/session.js';
import { flush, liveHarness } from '../helpers/live-harness.js';
import { ISSUER, tokens } from './fixtures.js';

/** A login-URL flow whose login URL CDF gave: the browser is on its way to the IdP. */
async function loginUrlSentToIdp() {
  const h = liveHarness(loginUrlMachine, { project: 'demo', redirectUrl: 'http://127.0.0.1:1/callback' });
  h.actor.send({ type: 'START', flowId: 'f1', now: 0 });
  await flush();
  h.settle('fetchLoginUrl', { output: 'http://cdf/login' });
  await flush();
  return h;
}

describe('races, explored in every order by fc.scheduler', () => {
  test.prop([fc.scheduler()])(
    'cancel vs token response: the flow ends cancelled with no tokens, and starts nothing after the cancel',
    async (s) => {
      const h = liveHarness(authorizationCodeMachine, {
        issuer: ISSUER,
        clientId: 'cli',
        redirectUri: 'http://127.0.0.1:9/callback',
        scope: 'openid',
      });
      h.actor.send({ type: 'START', attempt: { state: 's1', nonce: 'n1', codeVerifier: 'v1' }, now: 0 });
      await flush();
      h.settle('discover', { output: { issuer: ISSUER, issParameterSupported: true, s256Supported: true } });
      await flush();
      h.actor.send({
        type: 'CALLBACK',
        callback: {
          kind: 'response',
          params: { code: 'c', state: 's1', iss: ISSUER },
          url: 'http://127.0.0.1:9/callback?code=c',
        },
      });
      await flush();
      expect(h.actor.getSnapshot().value).toBe('exchangingCode');
      let startedAtCancel = -1;
      s.schedule(Promise.resolve('cancel')).then(() => {
        h.actor.send({ type: 'CANCEL' });
        startedAtCancel = h.started.length;
      });
      s.schedule(Promise.resolve('token response')).then(() => h.settle('exchangeCode', { output: tokens }));
      await s.waitAll();
      await flush();
      const snapshot = h.actor.getSnapshot();
      expect(snapshot.value).toBe('cancelled');
      expect(snapshot.context.tokens).toBeNull();
      expect(h.started.length).toBe(startedAtCancel);
    },
  );

  test.prop([fc.scheduler()])('refresh vs logout: logged out wins, and no token survives', async (s) => {
    const h = liveHarness(sessionMachine, { tokens });
    h.actor.send({ type: 'RENEW', now: 1 });
    await flush();
    s.schedule(Promise.resolve('logout')).then(() => h.actor.send({ type: 'LOGOUT' }));
    s.schedule(Promise.resolve('refresh answer')).then(() =>
      h.settle('renew', { output: { ...tokens, accessToken: 'at2' } }),
    );
    await s.waitAll();
    await flush();
    expect(h.actor.getSnapshot().value).toBe('loggedOut');
    expect(h.actor.getSnapshot().context.tokens).toBeNull();
  });

  test.prop([fc.scheduler(), fc.integer({ min: 2, max: 30 })])(
    'N concurrent getToken() during a refresh: exactly one refresh, and every caller gets the new token',
    async (s, n) => {
      let refreshes = 0;
      // A gate, not a captured resolver: the refresh starts after a few hops (renewOnce reads the store and
      // takes the lock first), so the answer may be released before the refresh asks for it.
      let release: () => void = () => {};
      const answered = new Promise<void>((resolve) => {
        release = resolve;
      });
      const session = createSession({
        tokens: { ...tokens, expiresAt: Date.now() - 1 },
        refresh: async (current) => {
          refreshes += 1;
          await answered;
          return { ...current, accessToken: 'new', expiresAt: Date.now() + 60_000 };
        },
      });
      const answers: Array<Promise<string>> = [];
      for (let i = 0; i < n; i += 1)
        s.schedule(Promise.resolve(`caller ${i}`)).then(() => answers.push(session.getToken()));
      s.schedule(Promise.resolve('refresh answer')).then(() => release());
      await s.waitAll();
      release();
      expect(await Promise.all(answers)).toEqual(Array(n).fill('new'));
      expect(refreshes).toBe(1);
      session.logout();
    },
  );

  test.prop([fc.scheduler()])(
    "a callback arriving twice: one validation, with the first callback's tokens",
    async (s) => {
      const h = await loginUrlSentToIdp();
      const callback = (accessToken: string) => ({
        type: 'CALLBACK' as const,
        callback: { kind: 'tokens' as const, flowId: 'f1', accessToken, idToken: 'id' },
      });
      const order: string[] = [];
      s.schedule(Promise.resolve('first')).then(() => {
        order.push('first');
        h.actor.send(callback(`token-${order.length}`));
      });
      s.schedule(Promise.resolve('second')).then(() => {
        order.push('second');
        h.actor.send(callback(`token-${order.length}`));
      });
      await s.waitAll();
      await flush();
      expect(h.started.filter((name) => name === 'validateToken')).toHaveLength(1);
      expect(h.actor.getSnapshot().context.tokens?.accessToken).toBe('token-1');
    },
  );

  test.prop([fc.scheduler()])(
    'a popup message arriving after the popup was closed: once cancelled, the callback starts nothing',
    async (s) => {
      const h = await loginUrlSentToIdp();
      h.settle('navigateToIdp', { output: undefined });
      await flush();
      let cancelledAt = -1;
      s.schedule(Promise.resolve('popup closed')).then(() => {
        h.actor.send({ type: 'CANCEL' });
        cancelledAt = h.started.length;
      });
      s.schedule(Promise.resolve('popup message')).then(() =>
        h.actor.send({ type: 'CALLBACK', callback: { kind: 'tokens', flowId: 'f1', accessToken: 'a', idToken: 'i' } }),
      );
      await s.waitAll();
      await flush();
      expect(h.actor.getSnapshot().value).toBe('cancelled');
      expect(h.actor.getSnapshot().context.tokens).toBeNull();
      expect(h.started.length).toBe(cancelledAt);
    },
  );
});
