/**
 * The loopback's stray callbacks as the machines see them (ignored and counted, never redeemed), the
 * resting results of the API-key and client-credentials machines, and the final outputs when a flow is
 * cancelled after it had tokens but before CDF had inspected them.
 */
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, type InputFrom, initialTransition, type SnapshotFrom } from 'xstate';
import { apiKeyMachine } from '../../machines/api-key.js';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import { clientCredentialsMachine } from '../../machines/client-credentials.js';
import { deviceCodeMachine } from '../../machines/device-code.js';
import { loginUrlMachine } from '../../machines/login-url.js';
import type { TokenSet } from '../../machines/shared/tokens.js';
import { step } from '../helpers/step.js';

type AnyEvent = { type: string; [key: string]: unknown };
const run = <M extends AnyStateMachine>(machine: M, input: InputFrom<M>, events: AnyEvent[]): SnapshotFrom<M> =>
  events.reduce<SnapshotFrom<M>>(
    (s, e) => step(machine, s, e),
    initialTransition(machine, input)[0] as SnapshotFrom<M>,
  );
const tokens: TokenSet = { accessToken: 'at', tokenType: 'Bearer', expiresAt: 100_000, idToken: 'it' };

describe('authorization code on the loopback (ignoreStrayCallbacks)', () => {
  const ISSUER = 'https://idp.example';
  const input = { issuer: ISSUER, clientId: 'cli', redirectUri: 'http://127.0.0.1:9/callback', scope: 'openid' };
  const waiting: AnyEvent[] = [
    { type: 'START', attempt: { state: 's1', nonce: 'n', codeVerifier: 'v' }, now: 0 },
    {
      type: 'xstate.done.actor.discover',
      output: { issuer: ISSUER, issParameterSupported: false, s256Supported: true },
    },
    { type: 'xstate.done.actor.navigateToIdp' },
  ];
  const response = (params: Record<string, string>) => ({
    type: 'CALLBACK',
    callback: { kind: 'response', params, url: `http://127.0.0.1:9/callback?${new URLSearchParams(params)}` },
  });

  it('a callback with another state, without state, or unreadable stays in awaitingCallback, each counted once', () => {
    const strays = [
      response({ code: 'c', state: 'other' }),
      response({ code: 'c' }),
      { type: 'CALLBACK', callback: { kind: 'invalid', reason: 'x' } },
    ];
    let s = run(authorizationCodeMachine, { ...input, ignoreStrayCallbacks: true }, waiting);
    strays.forEach((stray, i) => {
      s = step(authorizationCodeMachine, s, stray);
      expect(s.value).toBe('awaitingCallback');
      expect(s.context.ignoredCallbacks).toBe(i + 1);
      expect(s.context.callbackUrl).toBeNull();
    });
    s = step(authorizationCodeMachine, s, response({ code: 'c', state: 's1' }));
    expect(s.value).toBe('exchangingCode');
    expect(s.context.ignoredCallbacks).toBe(3);
  });

  it('without the setting, the same stray callback fails the flow (the browser rule)', () => {
    const s = run(authorizationCodeMachine, input, [...waiting, response({ code: 'c', state: 'other' })]);
    expect(s.value).toBe('failed');
    expect(s.context.failure?.code).toBe('stateMismatch');
    expect(s.context.ignoredCallbacks).toBe(0);
  });

  it('cancelled after the code was redeemed but before CDF inspected the token: the output says cancelled', () => {
    const s = run(authorizationCodeMachine, input, [
      ...waiting,
      response({ code: 'c', state: 's1' }),
      { type: 'xstate.done.actor.exchangeCode', output: tokens },
      { type: 'xstate.done.actor.validateIdToken', output: { iss: ISSUER, sub: 'a', aud: 'cli' } },
      { type: 'CANCEL' },
    ]);
    expect(s.status).toBe('done');
    expect(s.output).toEqual({ status: 'cancelled' });
  });
});

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

describe('final outputs', () => {
  const status = (project: string) => ({
    type: 'xstate.done.actor.verifyApiKey',
    output: { loggedIn: true, user: 'svc', project, projectId: 1, apiKeyId: 2 },
  });

  it('api key: signedIn with the identity; failed with the reason and state; none while verifying', () => {
    const ready = run(apiKeyMachine, { project: null }, [{ type: 'START' }, status('demo')]);
    expect(ready.output).toEqual({
      status: 'signedIn',
      credential: expect.objectContaining({ user: 'svc', project: 'demo' }),
    });
    expect(run(apiKeyMachine, { project: null }, [{ type: 'START' }]).output).toBeUndefined();
    expect(run(apiKeyMachine, { project: 'x' }, [{ type: 'START' }, status('demo')]).output).toMatchObject({
      status: 'failed',
      failure: { code: 'projectMismatch', state: 'verifying' },
    });
  });

  const inspected = (projects: string[]) => ({
    type: 'xstate.done.actor.inspectToken',
    output: { subject: 'svc', projects },
  });
  const requested = { type: 'xstate.done.actor.requestToken', output: tokens };

  it('client credentials: CDF must list the project (without regard to case); no project accepts any', () => {
    const input = { clientId: 'svc', scope: 's', project: 'Demo' };
    const ok = run(clientCredentialsMachine, input, [{ type: 'START' }, requested, inspected(['other', 'demo'])]);
    expect(ok.output).toEqual({
      status: 'signedIn',
      credential: { tokens, inspection: { subject: 'svc', projects: ['other', 'demo'] } },
    });
    const other = run(clientCredentialsMachine, input, [{ type: 'START' }, requested, inspected(['other'])]);
    expect(other.value).toBe('failed');
    expect(other.output).toMatchObject({
      status: 'failed',
      failure: { code: 'projectMismatch', state: 'inspectingToken' },
    });
    const any = run(clientCredentialsMachine, { clientId: 'svc', scope: 's' }, [
      { type: 'START' },
      requested,
      inspected([]),
    ]);
    expect(any.value).toBe('authenticated');
  });

  it('client credentials: no output while requesting or inspecting; authenticated is final', () => {
    const input = { clientId: 'svc', scope: 's' };
    const requesting = run(clientCredentialsMachine, input, [{ type: 'START' }]);
    expect(requesting.output).toBeUndefined();
    const inspecting = step(clientCredentialsMachine, requesting, requested);
    expect(inspecting.value).toBe('inspectingToken');
    expect(inspecting.output).toBeUndefined();
    const authenticated = step(clientCredentialsMachine, inspecting, inspected(['demo']));
    expect(authenticated.status).toBe('done');
  });
});

describe('device code output', () => {
  it('cancelled after the tokens came but before CDF inspected them: the output says cancelled', () => {
    const s = run(deviceCodeMachine, { clientId: 'cli', scope: 'openid' }, [
      { type: 'START', now: 0 },
      {
        type: 'xstate.done.actor.requestDeviceCode',
        output: { deviceCode: 'd', userCode: 'U', verificationUri: 'https://x', expiresIn: 600 },
      },
      { type: 'xstate.after.pollInterval.deviceCode.awaitingUser' },
      { type: 'xstate.done.actor.pollToken', output: { kind: 'tokens', tokens } },
      { type: 'xstate.done.actor.validateIdToken', output: { iss: 'i', sub: 's', aud: 'cli' } },
      { type: 'CANCEL' },
    ]);
    expect(s.output).toEqual({ status: 'cancelled' });
  });
});
