/**
 * The authorization-code machine on the loopback (`ignoreStrayCallbacks`): a stray callback is ignored
 * and counted, never redeemed; without the setting (the browser) it fails the flow. And its output when
 * cancelled after the code was redeemed but before CDF inspected the token.
 */
import { describe, expect, it } from 'vitest';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import type { TokenSet } from '../../machines/shared/tokens.js';
import { type AnyEvent, run, step } from '../helpers/step.js';

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
