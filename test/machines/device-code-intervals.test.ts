/**
 * The device-code machine polls at the interval the IdP gave (5 s without one), and goes straight to
 * inspection when the tokens carry no ID token.
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { deviceCodeMachine } from '../../machines/device-code.js';
import type { TokenSet } from '../../machines/shared/tokens.js';
import { step } from '../helpers/step.js';
import { deviceAuthorization, runDeviceCode } from './fixtures.js';

const tick = async () => {
  for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
};

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
