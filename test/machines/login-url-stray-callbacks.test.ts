/**
 * The login-URL machine on the loopback (`ignoreStrayCallbacks`): a callback of another flow is ignored
 * and counted, a malformed one of this flow fails it; without the setting, another flow's id fails it.
 */
import { describe, expect, it } from 'vitest';
import { loginUrlMachine } from '../../machines/login-url.js';
import { type AnyEvent, run, step } from '../helpers/step.js';

describe('login URL on the loopback (ignoreStrayCallbacks)', () => {
  const input = { project: 'demo', redirectUrl: 'http://127.0.0.1:9/callback' };
  const waiting: AnyEvent[] = [
    { type: 'START', flowId: 'f1', now: 0 },
    { type: 'xstate.done.actor.fetchLoginUrl', output: 'http://cdf/login' },
    { type: 'xstate.done.actor.navigateToIdp' },
  ];
  const tokensWith = (flowId: string | null) => ({
    type: 'CALLBACK',
    callback: { kind: 'tokens', flowId, accessToken: 'a', idToken: 'i' },
  });

  it('a callback without the flow id or with another stays, counted; a malformed one of this flow fails it', () => {
    let s = run(loginUrlMachine, { ...input, ignoreStrayCallbacks: true }, waiting);
    s = step(loginUrlMachine, s, tokensWith(null));
    s = step(loginUrlMachine, s, tokensWith('forged'));
    s = step(loginUrlMachine, s, { type: 'CALLBACK', callback: { kind: 'invalid', reason: 'x' } });
    expect(s.value).toBe('awaitingCallback');
    expect(s.context.ignoredCallbacks).toBe(3);
    const malformed = step(loginUrlMachine, s, {
      type: 'CALLBACK',
      callback: { kind: 'invalid', reason: 'x', flowId: 'f1' },
    });
    expect(malformed.value).toBe('failed');
    expect(malformed.context.failure?.code).toBe('callbackInvalid');
    expect(step(loginUrlMachine, s, tokensWith('f1')).value).toBe('validatingToken');
  });

  it('without the setting, a foreign flow id fails the flow with stateMismatch', () => {
    const s = run(loginUrlMachine, input, [...waiting, tokensWith('forged')]);
    expect(s.context.failure?.code).toBe('stateMismatch');
    expect(s.context.ignoredCallbacks).toBe(0);
  });
});
