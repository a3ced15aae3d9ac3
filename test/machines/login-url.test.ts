import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, initialTransition, SimulatedClock, transition } from 'xstate';
import type { FetchLoginUrlInput, LegacyValidation, LoginCallback, LoginUrlEvent } from '../../machines/login-url.js';
import { loginUrlMachine } from '../../machines/login-url.js';

const input = { project: 'Demo', redirectUrl: 'http://127.0.0.1:5000/callback' };
type Snapshot = ReturnType<typeof initialTransition<typeof loginUrlMachine>>[0];
type AnyEvent = LoginUrlEvent | { type: string; output?: unknown; error?: unknown };

const run = (...events: AnyEvent[]): Snapshot =>
  events.reduce<Snapshot>(
    (snapshot, event) => transition(loginUrlMachine, snapshot, event as LoginUrlEvent)[0],
    initialTransition(loginUrlMachine, input)[0],
  );

const start: LoginUrlEvent = { type: 'START', flowId: 'flow-1', now: 1_000 };
const gotUrl = { type: 'xstate.done.actor.fetchLoginUrl', output: 'http://cdf/login/redirect?flow=x' };
const navigated = { type: 'xstate.done.actor.navigateToIdp', output: undefined };
const tokens = (flowId: string | null = 'flow-1'): Extract<LoginCallback, { kind: 'tokens' }> => ({
  kind: 'tokens',
  flowId,
  accessToken: 'at',
  idToken: 'it',
});
const callback = (cb: LoginCallback): LoginUrlEvent => ({ type: 'CALLBACK', callback: cb });
const validation = (over: Partial<LegacyValidation['status']> = {}, token = { valid: true, expired: false }) => ({
  type: 'xstate.done.actor.validateToken',
  output: {
    token,
    status: { loggedIn: true, user: 'alice', project: 'demo', projectId: 1, ...over },
    expiresAt: 5_000,
  } satisfies LegacyValidation,
});
const toCallback = [start, gotUrl, navigated];

describe('login-url machine', () => {
  it('walks the eight steps to authenticated, project compared without regard to case', () => {
    const s = run(...toCallback, callback(tokens()), validation());
    expect(s.value).toBe('authenticated');
    expect(s.status).toBe('done');
    expect(s.output).toEqual({
      status: 'signedIn',
      credential: { accessToken: 'at', idToken: 'it', user: 'alice', project: 'demo', projectId: 1, expiresAt: 5_000 },
    });
  });

  it('fails with noIdpConfigured when CDF returns no login URL', () => {
    for (const output of [null, '']) {
      const s = run(start, { type: 'xstate.done.actor.fetchLoginUrl', output });
      expect(s.value).toBe('failed');
      expect(s.context.failure?.code).toBe('noIdpConfigured');
    }
  });

  it('refuses a callback without the flow id or with another one (login CSRF)', () => {
    for (const flowId of [null, 'flow-2', '']) {
      const s = run(...toCallback, callback(tokens(flowId)));
      expect(s.value).toBe('failed');
      expect(s.context.failure?.code).toBe('stateMismatch');
      expect(s.context.tokens).toBeNull();
    }
  });

  it('accepts the callback while the opener has not yet reported back', () => {
    expect(run(start, gotUrl, callback(tokens())).value).toBe('validatingToken');
  });

  it('turns error/error_description into idpError, and an unreadable URL into callbackInvalid', () => {
    const denied = run(...toCallback, callback({ kind: 'error', flowId: 'flow-1', error: 'access_denied' }));
    expect(denied.context.failure).toMatchObject({ code: 'idpError' });
    expect(denied.context.failure?.message).toContain('access_denied');
    const invalid = run(...toCallback, callback({ kind: 'invalid', reason: 'not a URL' }));
    expect(invalid.context.failure?.code).toBe('callbackInvalid');
  });

  it('requires /login/token valid and not expired and /login/status logged in for the same project', () => {
    const cases: Array<[ReturnType<typeof validation>, string]> = [
      [validation({}, { valid: false, expired: false }), 'tokenRejected'],
      [validation({}, { valid: true, expired: true }), 'tokenRejected'],
      [validation({ loggedIn: false }), 'tokenRejected'],
      [validation({ project: 'other' }), 'projectMismatch'],
    ];
    for (const [event, code] of cases) {
      const s = run(...toCallback, callback(tokens()), event);
      expect(s.value).toBe('failed');
      expect(s.context.failure?.code).toBe(code);
      expect(s.context.tokens).toBeNull();
      expect(s.context.session).toBeNull();
    }
  });

  it('ignores a second callback once one was taken (the flow id is single-use)', () => {
    const s = run(...toCallback, callback(tokens()), callback({ ...tokens(), accessToken: 'other' }));
    expect(s.value).toBe('validatingToken');
    expect(s.context.tokens?.accessToken).toBe('at');
  });

  it('maps actor errors to typed failures, keeping only known fields', () => {
    const s = run(start, {
      type: 'xstate.error.actor.fetchLoginUrl',
      error: { code: 'http', message: 'CDF answered 500', status: 500, secret: 'x' },
    });
    expect(s.context.failure).toEqual({
      code: 'http',
      message: 'CDF answered 500',
      status: 500,
      state: 'fetchingLoginUrl',
      event: 'xstate.error.actor.fetchLoginUrl',
      actor: 'fetchLoginUrl',
    });
    const odd = run(start, { type: 'xstate.error.actor.fetchLoginUrl', error: new TypeError('boom') });
    expect(odd.context.failure?.code).toBe('network');
  });

  it('CANCEL works in every waiting state and ends final with no tokens', () => {
    const prefixes: AnyEvent[][] = [[], [start], [start, gotUrl], toCallback, [...toCallback, callback(tokens())]];
    for (const prefix of prefixes) {
      const s = run(...prefix, { type: 'CANCEL' });
      expect(s.value).toBe('cancelled');
      expect(s.status).toBe('done');
      expect(s.context.tokens).toBeNull();
      expect(s.output).toEqual({ status: 'cancelled' });
    }
  });

  it('failed is final: its output names the failure and the state it happened in, and no event leaves it', () => {
    const failed = run(start, { type: 'xstate.done.actor.fetchLoginUrl', output: null });
    expect(failed.status).toBe('done');
    expect(failed.output).toMatchObject({
      status: 'failed',
      failure: { code: 'noIdpConfigured', state: 'fetchingLoginUrl' },
    });
    expect(transition(loginUrlMachine, failed, { type: 'START', flowId: 'flow-2', now: 2_000 })[0]).toBe(failed);
  });

  it('keeps the callback deadline absolute: set at START, honoured after RESUME', async () => {
    const clock = new SimulatedClock();
    const machine = loginUrlMachine.provide({
      actors: {
        fetchLoginUrl: fromPromise<string | null, FetchLoginUrlInput>(async () => 'http://cdf/login'),
        navigateToIdp: fromPromise<void, { readonly url: string }>(async () => {}),
      },
    });
    const actor = createActor(machine, {
      input: { ...input, timeouts: { callbackMs: 10_000 } },
      clock,
    }).start();
    actor.send({ type: 'START', flowId: 'f', now: 0 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(actor.getSnapshot().value).toBe('awaitingCallback');
    expect(actor.getSnapshot().context.callbackDeadline).toBe(10_000);
    // Six seconds later the flow is restored elsewhere: four seconds remain, not ten.
    actor.send({ type: 'RESUME', now: 6_000 });
    clock.increment(3_999);
    expect(actor.getSnapshot().value).toBe('awaitingCallback');
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('failed');
    expect(actor.getSnapshot().context.failure?.code).toBe('timeout');
    actor.stop();
  });

  it('every request state times out on its own named delay', () => {
    const delays: Array<[AnyEvent[], string]> = [
      [[start], 'xstate.after.fetchTimeout.loginUrl.fetchingLoginUrl'],
      [[start, gotUrl], 'xstate.after.navigateTimeout.loginUrl.redirectingToIdp'],
      [toCallback, 'xstate.after.callbackTimeout.loginUrl.awaitingCallback'],
      [[...toCallback, callback(tokens())], 'xstate.after.validateTimeout.loginUrl.validatingToken'],
    ];
    for (const [prefix, type] of delays) {
      const s = run(...prefix, { type });
      expect(s.value).toBe('failed');
      expect(['timeout', 'navigationFailed']).toContain(s.context.failure?.code);
    }
  });

  it('without a driver, an actor fails loudly instead of doing I/O', async () => {
    const actor = createActor(loginUrlMachine, { input }).start();
    actor.send({ type: 'START', flowId: 'f', now: 0 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(actor.getSnapshot().context.failure?.code).toBe('network');
    actor.stop();
  });
});
