/**
 * What a flow ends with is what it checked: the ID token's validated claims reach the output of both
 * person flows; the clock a restored flow is told reaches its context; the session's defaults are the
 * documented ones; a failure keeps the IdP's diagnostics only in their known shape.
 */
import { describe, expect, it } from 'vitest';
import { initialTransition } from 'xstate';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import { deviceCodeMachine } from '../../machines/device-code.js';
import { sessionMachine } from '../../machines/session.js';
import { toFailure } from '../../machines/shared/failure.js';
import { DEFAULT_LEEWAY_MS } from '../../machines/shared/freshness.js';
import type { TokenSet } from '../../machines/shared/tokens.js';
import { run, step } from '../helpers/step.js';
import { deviceCodeToTokens } from './fixtures.js';

const ISSUER = 'https://idp.example';
const tokens: TokenSet = { accessToken: 'at', tokenType: 'Bearer', expiresAt: 100_000, idToken: 'it' };
const claims = { iss: ISSUER, sub: 'alice', aud: 'cli', name: 'Alice' };
const checked = [
  { type: 'xstate.done.actor.validateIdToken', output: claims },
  { type: 'xstate.done.actor.inspectToken', output: { subject: 'alice', projects: ['demo'] } },
];
const code = { issuer: ISSUER, clientId: 'cli', redirectUri: 'http://127.0.0.1:9/callback', scope: 'openid' };
const toCallback = [
  { type: 'START', attempt: { state: 's1', nonce: 'n', codeVerifier: 'v' }, now: 0 },
  { type: 'xstate.done.actor.discover', output: { issuer: ISSUER, issParameterSupported: false, s256Supported: true } },
  { type: 'xstate.done.actor.navigateToIdp' },
];

describe('outputs carry what was checked', () => {
  it('authorization code: the validated claims are in the signed-in credential', () => {
    const s = run(authorizationCodeMachine, code, [
      ...toCallback,
      { type: 'CALLBACK', callback: { kind: 'response', params: { code: 'c', state: 's1' }, url: 'http://x/?code=c' } },
      { type: 'xstate.done.actor.exchangeCode', output: tokens },
      ...checked,
    ]);
    expect(s.output).toMatchObject({ status: 'signedIn', credential: { claims } });
  });

  it('device code: the validated claims are in the signed-in credential', () => {
    const s = run(deviceCodeMachine, { clientId: 'cli', scope: 'openid' }, [...deviceCodeToTokens(tokens), ...checked]);
    expect(s.output).toMatchObject({ status: 'signedIn', credential: { claims } });
  });

  it('a flow restored from a snapshot takes the time RESUME tells it', () => {
    const waiting = run(authorizationCodeMachine, code, toCallback);
    expect(waiting.value).toBe('awaitingCallback');
    expect(step(authorizationCodeMachine, waiting, { type: 'RESUME', now: 42_000 }).context.now).toBe(42_000);
  });

  it('the session renews 30 s before expiry and waits 15 s for a renewal unless told otherwise', () => {
    const [session] = initialTransition(sessionMachine, { tokens });
    expect(session.context).toMatchObject({ leewayMs: DEFAULT_LEEWAY_MS, renewTimeoutMs: 15_000 });
    expect(DEFAULT_LEEWAY_MS).toBe(30_000);
  });

  it("a failure keeps the IdP's diagnostics when they are an object, and nothing else in their place", () => {
    const idpDiagnostics = { errorCodes: [7000215], traceId: 't' };
    expect(toFailure({ code: 'clientRejected', message: 'm', idpDiagnostics })).toEqual({
      code: 'clientRejected',
      message: 'm',
      idpDiagnostics,
    });
    for (const odd of [null, 'AADSTS7000215', 7]) {
      expect(toFailure({ code: 'clientRejected', message: 'm', idpDiagnostics: odd })).toEqual({
        code: 'clientRejected',
        message: 'm',
      });
    }
  });
});
