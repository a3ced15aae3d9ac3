/** The small decisions inside the machines: delays, failure mapping, project matching, intervals. */
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, initialTransition, toPromise, transition } from 'xstate';
import { apiKeyMachine } from '../../machines/api-key.js';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import { clientCredentialsMachine } from '../../machines/client-credentials.js';
import { deviceCodeMachine } from '../../machines/device-code.js';
import { loginUrlMachine } from '../../machines/login-url.js';
import { isFailureCode, toFailure } from '../../machines/shared/failure.js';
import type { Inspection, TokenSet } from '../../machines/shared/tokens.js';
import { step } from '../helpers/step.js';
import { deviceAuthorization, runDeviceCode } from './fixtures.js';

const tick = async () => {
  for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
};
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

describe('toFailure', () => {
  it('copies code, message, and status and requestId only when they have the right type', () => {
    expect(toFailure({ code: 'http', message: 'm', status: 500, requestId: 'r', token: 'secret' })).toEqual({
      code: 'http',
      message: 'm',
      status: 500,
      requestId: 'r',
    });
    expect(toFailure({ code: 'http', message: 'm', status: '500', requestId: 7 })).toEqual({
      code: 'http',
      message: 'm',
    });
  });

  it('falls back for anything that is not a known failure', () => {
    for (const error of [
      null,
      undefined,
      'text',
      42,
      { code: 'nope', message: 'm' },
      { code: 'http' },
      { message: 'm' },
    ]) {
      const failure = toFailure(error, 'network');
      expect(failure.code).toBe('network');
      expect(failure.message).toMatch(/unexpected/);
    }
    expect(toFailure(new Error('x')).code).toBe('internal');
    expect(isFailureCode('timeout')).toBe(true);
    expect(isFailureCode('toString')).toBe(false);
    expect(isFailureCode(7)).toBe(false);
  });
});

describe('project matching', () => {
  const inspection = (projects: string[]): Inspection => ({ subject: 's', projects });
  it('accepts a token whose inspection lists the project among others, ignoring case', () => {
    const guard = authorizationCodeMachine.implementations.guards.isOtherProject as unknown as (
      args: { context: { project: string | null } },
      inspection: Inspection,
    ) => boolean;
    expect(guard({ context: { project: 'demo' } }, inspection(['other', 'DEMO']))).toBe(false);
    expect(guard({ context: { project: 'demo' } }, inspection(['other']))).toBe(true);
    expect(guard({ context: { project: null } }, inspection(['other']))).toBe(false);
    const device = deviceCodeMachine.implementations.guards.isOtherProject as unknown as typeof guard;
    expect(device({ context: { project: 'demo' } }, inspection(['other', 'Demo']))).toBe(false);
    expect(device({ context: { project: 'demo' } }, inspection([]))).toBe(true);
    expect(device({ context: { project: null } }, inspection([]))).toBe(false);
  });

  it('api key: any project when none is configured, the configured one otherwise', () => {
    const status = (project: string) => ({
      type: 'xstate.done.actor.verifyApiKey',
      output: { loggedIn: true, user: 'u', project, projectId: 1, apiKeyId: 2 },
    });
    const open = transition(apiKeyMachine, initialTransition(apiKeyMachine, { project: null })[0], {
      type: 'START',
    })[0];
    expect(step(apiKeyMachine, open, status('anything')).value).toBe('authenticated');
    const strict = transition(apiKeyMachine, initialTransition(apiKeyMachine, { project: 'Demo' })[0], {
      type: 'START',
    })[0];
    const rejected = step(apiKeyMachine, strict, status('other'));
    expect(rejected.value).toBe('failed');
    expect(rejected.output).toMatchObject({
      status: 'failed',
      failure: { code: 'projectMismatch', state: 'verifying' },
    });
    expect(rejected.context.failure?.message).toContain('Demo');
    const ready = step(apiKeyMachine, strict, status('demo'));
    expect(ready.output).toMatchObject({ status: 'signedIn', credential: { project: 'demo' } });
  });
});

describe('failure messages say what happened', () => {
  it('login-url: the unreadable reason and the IdP error code appear, the project name too', () => {
    const base = initialTransition(loginUrlMachine, { project: 'demo', redirectUrl: 'http://x/cb' })[0];
    const started = transition(loginUrlMachine, base, { type: 'START', flowId: 'f', now: 0 })[0];
    const noIdp = step(loginUrlMachine, started, {
      type: 'xstate.done.actor.fetchLoginUrl',
      output: null,
    });
    expect(noIdp.context.failure?.message).toContain('"demo"');
    const waiting = step(loginUrlMachine, started, {
      type: 'xstate.done.actor.fetchLoginUrl',
      output: 'http://l',
    });
    const invalid = transition(loginUrlMachine, waiting, {
      type: 'CALLBACK',
      callback: { kind: 'invalid', reason: 'not a URL' },
    })[0];
    expect(invalid.context.failure?.message).toContain('(not a URL)');
    const denied = transition(loginUrlMachine, waiting, {
      type: 'CALLBACK',
      callback: { kind: 'error', flowId: 'f', error: 'access_denied' },
    })[0];
    expect(denied.context.failure?.message).toContain('(access_denied)');
  });
});

describe('device code intervals from the IdP', () => {
  it.each([
    [7, 7_000],
    [0, 5_000],
    [undefined, 5_000],
  ])('interval %s waits %i ms before the first poll', async (interval, wait) => {
    const { actor, clock, polls } = runDeviceCode([], {
      ...deviceAuthorization,
      expiresIn: 600,
      ...(interval === undefined ? {} : { interval }),
    });
    await tick();
    expect(actor.getSnapshot().context.deadline).toBe(600_000);
    clock.increment(wait - 1);
    await tick();
    expect(polls).toEqual([]);
    clock.increment(1);
    await tick();
    expect(polls).toEqual([wait]);
    actor.stop();
  });

  it('goes straight to inspection when the tokens carry no ID token', () => {
    const m = deviceCodeMachine;
    let s = initialTransition(m, { clientId: 'c', scope: 's' })[0];
    s = transition(m, s, { type: 'START', now: 0 })[0];
    s = step(m, s, {
      type: 'xstate.done.actor.requestDeviceCode',
      output: { deviceCode: 'dc', userCode: 'U', verificationUri: 'v', expiresIn: 60 },
    });
    s = step(m, s, { type: 'xstate.after.pollInterval.deviceCode.awaitingUser' });
    expect(s.context.now).toBe(5_000);
    const tokens: TokenSet = { accessToken: 'a', tokenType: 'Bearer', expiresAt: 1 };
    const next = step(m, s, {
      type: 'xstate.done.actor.pollToken',
      output: { kind: 'tokens', tokens },
    });
    expect(next.value).toBe('inspectingToken');
    expect(next.context).toMatchObject({ tokens, authorization: null });
    const withId = step(m, s, {
      type: 'xstate.done.actor.pollToken',
      output: { kind: 'tokens', tokens: { ...tokens, idToken: 'i' } },
    });
    expect(withId.value).toBe('validatingIdToken');
  });
});

describe('client credentials end at sign-in', () => {
  it("one request, one inspection, then final: renewing is the session machine's job", async () => {
    let requests = 0;
    const actor = createActor(
      clientCredentialsMachine.provide({
        actors: {
          requestToken: fromPromise(async (): Promise<TokenSet> => {
            requests += 1;
            return { accessToken: 'a', tokenType: 'Bearer', expiresAt: 120_000 };
          }),
          inspectToken: fromPromise(async (): Promise<Inspection> => ({ subject: 'svc', projects: ['demo'] })),
        },
      }),
      { input: { clientId: 'c', scope: 's' } },
    ).start();
    actor.send({ type: 'START' });
    const output = await toPromise(actor);
    expect(requests).toBe(1);
    expect(output).toEqual({
      status: 'signedIn',
      credential: {
        tokens: { accessToken: 'a', tokenType: 'Bearer', expiresAt: 120_000 },
        inspection: { subject: 'svc', projects: ['demo'] },
      },
    });
  });
});
