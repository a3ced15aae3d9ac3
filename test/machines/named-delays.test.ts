/** Every delay is named: each counts down to an absolute deadline, or takes its configured timeout. */
import { describe, expect, it } from 'vitest';
import { initialTransition } from 'xstate';
import { apiKeyMachine } from '../../machines/api-key.js';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import { clientCredentialsMachine } from '../../machines/client-credentials.js';
import { deviceCodeMachine } from '../../machines/device-code.js';
import { loginUrlMachine } from '../../machines/login-url.js';

const delay = (machine: { implementations: { delays: Record<string, unknown> } }, name: string, context: object) =>
  (machine.implementations.delays[name] as (args: { context: object; event: object }) => number)({
    context,
    event: { type: 'x' },
  });

describe('named delays', () => {
  it('count down to absolute deadlines, never below zero', () => {
    for (const machine of [loginUrlMachine, authorizationCodeMachine]) {
      expect(delay(machine, 'callbackTimeout', { callbackDeadline: 10_000, now: 4_000 })).toBe(6_000);
      expect(delay(machine, 'callbackTimeout', { callbackDeadline: 10_000, now: 12_000 })).toBe(0);
    }
    expect(delay(deviceCodeMachine, 'codeExpiry', { deadline: 60_000, now: 15_000 })).toBe(45_000);
    expect(delay(deviceCodeMachine, 'codeExpiry', { deadline: 60_000, now: 75_000 })).toBe(0);
    expect(delay(deviceCodeMachine, 'pollInterval', { intervalMs: 7_000 })).toBe(7_000);
  });

  it('take the configured timeouts, with defaults', () => {
    const login = initialTransition(loginUrlMachine, {
      project: 'p',
      redirectUrl: 'http://x/cb',
      timeouts: { fetchMs: 1 },
    })[0];
    expect(login.context.timeouts).toEqual({ fetchMs: 1, navigateMs: 15_000, callbackMs: 300_000, validateMs: 15_000 });
    expect(login.context.errorRedirectUrl).toBeNull();
    expect(
      initialTransition(loginUrlMachine, {
        project: 'p',
        redirectUrl: 'http://x/cb',
        errorRedirectUrl: 'http://x/err',
      })[0].context.errorRedirectUrl,
    ).toBe('http://x/err');
    expect(initialTransition(apiKeyMachine, { project: null })[0].context.verifyTimeoutMs).toBe(15_000);
    expect(initialTransition(clientCredentialsMachine, { clientId: 'c', scope: 's' })[0].context).toMatchObject({
      requestTimeoutMs: 15_000,
    });
    expect(initialTransition(deviceCodeMachine, { clientId: 'c', scope: 's' })[0].context).toMatchObject({
      requestTimeoutMs: 15_000,
      project: null,
      intervalMs: 5_000,
    });
  });
});
