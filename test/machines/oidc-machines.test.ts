import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import type { PollResult } from '../../machines/device-code.js';
import { sessionMachine } from '../../machines/session.js';
import type { TokenSet } from '../../machines/shared/tokens.js';
import { step } from '../helpers/step.js';
import { deviceAuthorization, runDeviceCode } from './fixtures.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const ISSUER = 'https://idp.example';
const attempt = { state: 's1', nonce: 'n1', codeVerifier: 'v1' };
const codeInput = {
  issuer: ISSUER,
  clientId: 'cli',
  redirectUri: 'http://127.0.0.1:9/callback',
  scope: 'openid',
  project: 'demo',
};
type AnyEvent = { type: string; [key: string]: unknown };
const runCode = (...events: AnyEvent[]) =>
  events.reduce(
    (snapshot, event) => step(authorizationCodeMachine, snapshot, event),
    initialTransition(authorizationCodeMachine, codeInput)[0],
  );
const start = { type: 'START', attempt, now: 0 };
const discovered = (over = {}) => ({
  type: 'xstate.done.actor.discover',
  output: { issuer: ISSUER, issParameterSupported: true, s256Supported: true, ...over },
});
const navigated = { type: 'xstate.done.actor.navigateToIdp' };
const callback = (params: Record<string, string>) => ({
  type: 'CALLBACK',
  callback: { kind: 'response', params, url: `http://127.0.0.1:9/callback?${new URLSearchParams(params)}` },
});
const good = { code: 'c', state: 's1', iss: ISSUER };
const tokens: TokenSet = {
  accessToken: 'at',
  tokenType: 'Bearer',
  expiresAt: 100_000,
  idToken: 'it',
  refreshToken: 'rt',
};

describe('authorization-code machine', () => {
  it('checks state and iss before the code is redeemed, and redeems it once', () => {
    const s = runCode(start, discovered(), navigated, callback(good));
    expect(s.value).toBe('exchangingCode');
    expect(s.context.callbackUrl).toContain('code=c');
    const again = step(authorizationCodeMachine, s, callback(good));
    expect(again.value).toBe('exchangingCode');
    const done = runCode(
      start,
      discovered(),
      navigated,
      callback(good),
      { type: 'xstate.done.actor.exchangeCode', output: tokens },
      { type: 'xstate.done.actor.validateIdToken', output: { iss: ISSUER, sub: 'alice', aud: 'cli' } },
      { type: 'xstate.done.actor.inspectToken', output: { subject: 'alice', projects: ['Demo'] } },
    );
    expect(done.value).toBe('authenticated');
    expect(done.output).toMatchObject({
      status: 'signedIn',
      credential: { tokens, inspection: { subject: 'alice' } },
    });
  });

  it.each([
    ['state was never issued (RFC 9700 2.1)', { ...good, state: 'other' }, 'stateMismatch'],
    ['state is missing', { code: 'c', iss: ISSUER }, 'stateMismatch'],
    ['iss differs (RFC 9207 2.4)', { ...good, iss: 'https://evil.example' }, 'issuerMismatch'],
    ['iss is missing though advertised (RFC 9207 2.4)', { code: 'c', state: 's1' }, 'issuerMismatch'],
    [
      'an error response carries a foreign state (RFC 6749 4.1.2.1)',
      { error: 'access_denied', state: 'x', iss: ISSUER },
      'stateMismatch',
    ],
    [
      'an error response carries another iss (RFC 9207 2.4)',
      { error: 'access_denied', state: 's1', iss: 'https://evil' },
      'issuerMismatch',
    ],
    ['access_denied with a valid state', { error: 'access_denied', state: 's1', iss: ISSUER }, 'accessDenied'],
    ['an unknown error code', { error: 'weird<b>', state: 's1', iss: ISSUER }, 'idpError'],
    ['neither code nor error', { state: 's1', iss: ISSUER }, 'callbackInvalid'],
  ])('refuses the callback when %s, with no token request', (_name, params, code) => {
    const s = runCode(start, discovered(), navigated, callback(params as Record<string, string>));
    expect(s.value).toBe('failed');
    expect(s.context.failure?.code).toBe(code);
    expect(s.context.callbackUrl).toBeNull();
    expect(s.context.failure?.message).not.toContain('weird<b>');
  });

  it('accepts a response without iss from an IdP that does not advertise it', () => {
    const s = runCode(
      start,
      discovered({ issParameterSupported: false }),
      navigated,
      callback({ code: 'c', state: 's1' }),
    );
    expect(s.value).toBe('exchangingCode');
  });

  it('fails with issuerMismatch when the metadata names another issuer, and refuses an IdP without S256', () => {
    expect(runCode(start, discovered({ issuer: `${ISSUER}/` })).context.failure?.code).toBe('issuerMismatch');
    expect(runCode(start, discovered({ s256Supported: false })).context.failure?.code).toBe('insecureEndpoint');
  });

  it('fails with projectMismatch when token/inspect does not list the project, and needs an ID token', () => {
    const base = [start, discovered(), navigated, callback(good)];
    const noId = runCode(...base, {
      type: 'xstate.done.actor.exchangeCode',
      output: { ...tokens, idToken: undefined },
    });
    expect(noId.context.failure?.code).toBe('idTokenInvalid');
    const other = runCode(
      ...base,
      { type: 'xstate.done.actor.exchangeCode', output: tokens },
      { type: 'xstate.done.actor.validateIdToken', output: { iss: ISSUER, sub: 'a', aud: 'cli' } },
      { type: 'xstate.done.actor.inspectToken', output: { subject: 'a', projects: ['other'] } },
    );
    expect(other.context.failure?.code).toBe('projectMismatch');
    expect(other.context.tokens).toBeNull();
  });

  it('failed is final: the output says why and where, and a new START does not revive it', () => {
    const failed = runCode(start, discovered({ s256Supported: false }));
    expect(failed.output).toMatchObject({
      status: 'failed',
      failure: { code: 'insecureEndpoint', state: 'discovering' },
    });
    const fresh = { state: 's2', nonce: 'n2', codeVerifier: 'v2' };
    expect(transition(authorizationCodeMachine, failed, { type: 'START', attempt: fresh, now: 1 })[0]).toBe(failed);
  });
});

describe('device-code machine (RFC 8628 on simulated time)', () => {
  const authorization = deviceAuthorization;
  const run = runDeviceCode;

  it('polls every 5 s when the IdP names no interval, shows the user code (never the device code)', async () => {
    const { actor, clock, polls, shown } = run([{ kind: 'pending' }, { kind: 'pending' }, { kind: 'tokens', tokens }]);
    await tick();
    expect(shown).toEqual([{ userCode: 'ABCD-EFGH', verificationUri: 'https://idp/device' }]);
    for (let i = 0; i < 3; i += 1) {
      clock.increment(4_999);
      await tick();
      expect(polls).toHaveLength(i);
      clock.increment(1);
      await tick();
      await tick();
    }
    expect(polls).toEqual([5_000, 10_000, 15_000]);
    await tick();
    expect(actor.getSnapshot().value).toBe('authenticated');
  });

  it('adds 5 s for good on every slow_down', async () => {
    const { clock, polls } = run([
      { kind: 'slowDown' },
      { kind: 'pending' },
      { kind: 'slowDown' },
      { kind: 'pending' },
    ]);
    await tick();
    for (let t = 0; t < 60_000; t += 1_000) {
      clock.increment(1_000);
      await tick();
      await tick();
    }
    // Waits: 5, then 10 (slow_down), 10 (pending keeps it), then 15, 15.
    expect(polls.slice(0, 5)).toEqual([5_000, 15_000, 25_000, 40_000, 55_000]);
  });

  it('doubles the wait after a connection timeout instead of giving up', async () => {
    const timeout = Object.assign(new Error('t'), { code: 'timeout', message: 'slow' });
    const { clock, polls } = run([timeout, { kind: 'pending' }]);
    await tick();
    for (let t = 0; t < 30_000; t += 1_000) {
      clock.increment(1_000);
      await tick();
      await tick();
    }
    expect(polls.slice(0, 3)).toEqual([5_000, 15_000, 25_000]);
  });

  it.each([
    [{ kind: 'denied' } as PollResult, 'accessDenied'],
    [{ kind: 'expired' } as PollResult, 'expiredToken'],
  ])('stops on %o', async (answer, code) => {
    const { actor, clock, polls } = run([answer]);
    await tick();
    clock.increment(5_000);
    await tick();
    await tick();
    expect(actor.getSnapshot().context.failure?.code).toBe(code);
    clock.increment(60_000);
    await tick();
    expect(polls).toHaveLength(1);
  });

  it('stops at the code deadline even if the IdP keeps saying pending', async () => {
    const { actor, clock, polls } = run([], { ...authorization, expiresIn: 12 });
    await tick();
    for (let t = 0; t < 30_000; t += 1_000) {
      clock.increment(1_000);
      await tick();
      await tick();
    }
    expect(actor.getSnapshot().context.failure?.code).toBe('expiredToken');
    expect(polls).toEqual([5_000, 10_000]);
  });

  it('sends no poll after CANCEL', async () => {
    const { actor, clock, polls } = run([]);
    await tick();
    clock.increment(5_000);
    await tick();
    actor.send({ type: 'CANCEL' });
    clock.increment(60_000);
    await tick();
    expect(actor.getSnapshot().value).toBe('cancelled');
    expect(polls).toHaveLength(1);
  });
});

describe('session machine', () => {
  const fresh = { ...tokens, expiresAt: 1_000_000 };
  const session = (over = {}) => initialTransition(sessionMachine, { tokens: fresh, leewayMs: 30_000, ...over })[0];

  it('answers GET_TOKEN at once while fresh, and refreshes when within the leeway', () => {
    expect(transition(sessionMachine, session(), { type: 'GET_TOKEN', now: 900_000 })[0].value).toBe('authenticated');
    expect(transition(sessionMachine, session(), { type: 'GET_TOKEN', now: 970_000 })[0].value).toBe('renewing');
  });

  it('keeps the old refresh token when the refresh answer has none (RFC 6749 6), takes a rotated one', () => {
    const refreshing = transition(sessionMachine, session(), { type: 'RENEW', now: 1 })[0];
    const kept = step(sessionMachine, refreshing, {
      type: 'xstate.done.actor.renew',
      output: { accessToken: 'at2', tokenType: 'Bearer', expiresAt: 2_000_000 },
    });
    expect(kept.context.tokens).toMatchObject({ accessToken: 'at2', refreshToken: 'rt' });
    const rotated = step(sessionMachine, refreshing, {
      type: 'xstate.done.actor.renew',
      output: { accessToken: 'at3', tokenType: 'Bearer', expiresAt: 2_000_000, refreshToken: 'rt2' },
    });
    expect(rotated.context.tokens?.refreshToken).toBe('rt2');
  });

  it('ends in reauthRequired on invalid_grant, with no tokens and no loop', () => {
    const refreshing = transition(sessionMachine, session(), { type: 'RENEW', now: 1 })[0];
    const ended = step(sessionMachine, refreshing, {
      type: 'xstate.error.actor.renew',
      error: { code: 'invalidGrant', message: 'refused' },
    });
    expect(ended.value).toBe('reauthRequired');
    expect(ended.context.tokens).toBeNull();
    expect(transition(sessionMachine, ended, { type: 'GET_TOKEN', now: 2 })[0].value).toBe('reauthRequired');
  });

  it('a 401 for the current token triggers one refresh; a 401 for the refreshed token ends the session', () => {
    let s = transition(sessionMachine, session(), { type: 'UNAUTHORIZED', accessToken: 'old-token', now: 1 })[0];
    expect(s.value).toBe('authenticated');
    s = transition(sessionMachine, s, { type: 'UNAUTHORIZED', accessToken: 'at', now: 1 })[0];
    expect(s.value).toBe('renewing');
    s = step(sessionMachine, s, {
      type: 'xstate.done.actor.renew',
      output: { ...fresh, accessToken: 'at2' },
    });
    s = transition(sessionMachine, s, { type: 'UNAUTHORIZED', accessToken: 'at2', now: 2 })[0];
    expect(s.value).toBe('reauthRequired');
  });
});
