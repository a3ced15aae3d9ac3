/** What each effect is started with: the driver relies on exactly these inputs. */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import { clientCredentialsMachine } from '../../machines/client-credentials.js';
import { deviceCodeMachine } from '../../machines/device-code.js';
import { loginUrlMachine } from '../../machines/login-url.js';
import { sessionMachine } from '../../machines/session.js';
import { flush, liveHarness } from '../helpers/live-harness.js';
import { step, stepWithActions } from '../helpers/step.js';
import { ISSUER, tokens } from './fixtures.js';

const DEVICE_AUTHORIZATION = {
  deviceCode: 'dc',
  userCode: 'U',
  verificationUri: 'v',
  verificationUriComplete: 'v?c=U',
  expiresIn: 60,
};

describe('effects get the inputs the drivers expect', () => {
  it('login-url', async () => {
    const h = liveHarness(loginUrlMachine, {
      project: 'demo',
      redirectUrl: 'http://127.0.0.1:1/cb',
      errorRedirectUrl: 'http://127.0.0.1:1/err',
    });
    h.actor.send({ type: 'START', flowId: 'f1', now: 0 });
    await flush();
    h.settle('fetchLoginUrl', { output: 'http://cdf/login' });
    await flush();
    h.actor.send({ type: 'CALLBACK', callback: { kind: 'tokens', flowId: 'f1', accessToken: 'a', idToken: 'i' } });
    await flush();
    expect(h.inputs).toEqual({
      fetchLoginUrl: [
        {
          project: 'demo',
          redirectUrl: 'http://127.0.0.1:1/cb',
          errorRedirectUrl: 'http://127.0.0.1:1/err',
          flowId: 'f1',
        },
      ],
      navigateToIdp: [{ url: 'http://cdf/login' }],
      validateToken: [{ accessToken: 'a', idToken: 'i' }],
    });
  });

  it('authorization-code', async () => {
    const attempt = { state: 's1', nonce: 'n1', codeVerifier: 'v1' };
    const h = liveHarness(authorizationCodeMachine, {
      issuer: ISSUER,
      clientId: 'cli',
      redirectUri: 'http://127.0.0.1:9/callback',
      scope: 'openid',
      project: 'demo',
    });
    h.actor.send({ type: 'START', attempt, now: 0 });
    await flush();
    h.settle('discover', { output: { issuer: ISSUER, issParameterSupported: true, s256Supported: true } });
    await flush();
    const url = 'http://127.0.0.1:9/callback?code=c&state=s1';
    h.actor.send({
      type: 'CALLBACK',
      callback: { kind: 'response', params: { code: 'c', state: 's1', iss: ISSUER }, url },
    });
    await flush();
    h.settle('exchangeCode', { output: tokens });
    await flush();
    h.settle('validateIdToken', { output: { iss: ISSUER, sub: 'a', aud: 'cli' } });
    await flush();
    expect(h.inputs).toEqual({
      discover: [{ issuer: ISSUER }],
      navigateToIdp: [{ clientId: 'cli', redirectUri: 'http://127.0.0.1:9/callback', scope: 'openid', attempt }],
      exchangeCode: [{ callbackUrl: url, redirectUri: 'http://127.0.0.1:9/callback', attempt }],
      validateIdToken: [{ idToken: 'it', nonce: 'n1' }],
      inspectToken: [{ accessToken: 'at' }],
    });
  });

  it('device-code', async () => {
    const h = liveHarness(deviceCodeMachine, { clientId: 'cli', scope: 'openid' });
    h.actor.send({ type: 'START', now: 0 });
    await flush();
    h.settle('requestDeviceCode', {
      output: DEVICE_AUTHORIZATION,
    });
    await flush();
    h.clock.increment(5_000);
    await flush();
    h.settle('pollToken', { output: { kind: 'tokens', tokens } });
    await flush();
    h.settle('validateIdToken', { output: { iss: ISSUER, sub: 'a', aud: 'cli' } });
    await flush();
    expect(h.inputs).toEqual({
      requestDeviceCode: [{ clientId: 'cli', scope: 'openid' }],
      pollToken: [{ deviceCode: 'dc' }],
      validateIdToken: [{ idToken: 'it', nonce: null }],
      inspectToken: [{ accessToken: 'at' }],
    });
  });

  it('client-credentials and session', async () => {
    const cc = liveHarness(clientCredentialsMachine, { clientId: 'svc', scope: 's' });
    cc.actor.send({ type: 'START', now: 0 });
    await flush();
    expect(cc.inputs).toEqual({ requestToken: [{ clientId: 'svc', scope: 's' }] });
    const session = liveHarness(sessionMachine, { tokens });
    session.actor.send({ type: 'RENEW', now: 0 });
    await flush();
    expect(session.inputs).toEqual({ renew: [tokens] });
  });
});

describe('edges the other tests do not reach', () => {
  it('refuses a START without a flow id, or an attempt that reuses state or verifier', () => {
    const idle = initialTransition(loginUrlMachine, { project: 'p', redirectUrl: 'http://x/cb' })[0];
    expect(transition(loginUrlMachine, idle, { type: 'START', flowId: '', now: 0 })[0].value).toBe('idle');
    const code = initialTransition(authorizationCodeMachine, {
      issuer: ISSUER,
      clientId: 'c',
      redirectUri: 'http://x/cb',
      scope: 'openid',
    })[0];
    /** The code flow, before anything happened, sent START with this attempt at `now`. */
    const start = (state: string, nonce: string, codeVerifier: string, now = 0) =>
      transition(authorizationCodeMachine, code, { type: 'START', attempt: { state, nonce, codeVerifier }, now })[0];
    expect(start('', 'n', 'v').value).toBe('idle');
    const started = start('s', 'n', 'v');
    expect(started.context.callbackDeadline).toBe(300_000);
    const failed = step(authorizationCodeMachine, started, {
      type: 'xstate.error.actor.discover',
      error: { code: 'network', message: 'x' },
    });
    // failed is final: trying again is a new actor, whose deadline counts from its own START.
    expect(failed.status).toBe('done');
    expect(failed.output).toMatchObject({ status: 'failed', failure: { code: 'network', state: 'discovering' } });
    const again = start('s2', 'n2', 'v2', 1_000);
    expect(again.context.callbackDeadline).toBe(301_000);
  });

  it('device code: a network error also slows polling down; verificationUriComplete is shown', async () => {
    const shown: unknown[] = [];
    const h = liveHarness(deviceCodeMachine, { clientId: 'cli', scope: 'openid' });
    h.actor.stop();
    const m = deviceCodeMachine.provide({ actions: { showUserCode: (_, params) => shown.push(params) } });
    let s = initialTransition(m, { clientId: 'c', scope: 's' })[0];
    s = transition(m, s, { type: 'START', now: 0 })[0];
    const [afterCode, actions] = stepWithActions(m, s, {
      type: 'xstate.done.actor.requestDeviceCode',
      output: DEVICE_AUTHORIZATION,
    });
    const show = actions.find((a) => (a as { type?: string }).type === 'showUserCode') as
      | { params?: unknown }
      | undefined;
    expect(show?.params).toEqual({ userCode: 'U', verificationUri: 'v', verificationUriComplete: 'v?c=U' });
    s = step(m, afterCode, { type: 'xstate.after.pollInterval.deviceCode.awaitingUser' });
    const slowed = step(m, s, {
      type: 'xstate.error.actor.pollToken',
      error: { code: 'network', message: 'down' },
    });
    expect(slowed.value).toBe('awaitingUser');
    expect(slowed.context.intervalMs).toBe(10_000);
    expect(shown).toEqual([]);
  });

  it('session: after a 401-driven refresh, a late 401 for the previous token is ignored', () => {
    let s = initialTransition(sessionMachine, { tokens })[0];
    s = transition(sessionMachine, s, { type: 'UNAUTHORIZED', accessToken: 'at', now: 1 })[0];
    s = step(sessionMachine, s, {
      type: 'xstate.done.actor.renew',
      output: { ...tokens, accessToken: 'at2' },
    });
    expect(transition(sessionMachine, s, { type: 'UNAUTHORIZED', accessToken: 'at', now: 2 })[0].value).toBe(
      'authenticated',
    );
    expect(transition(sessionMachine, s, { type: 'UNAUTHORIZED', accessToken: 'at2', now: 2 })[0].value).toBe(
      'reauthRequired',
    );
  });
});
