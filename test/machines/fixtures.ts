/** What the machine tests share: one issuer, one token set, a device-code run on simulated time. */
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { type DeviceAuthorization, deviceCodeMachine, type PollResult } from '../../machines/device-code.js';
import type { IdClaims, Inspection } from '../../machines/shared/tokens.js';

export const ISSUER = 'https://idp.example';

/** A token set with every member, far from expiry. */
export const tokens = {
  accessToken: 'at',
  tokenType: 'Bearer',
  expiresAt: 10_000_000_000_000,
  idToken: 'it',
  refreshToken: 'rt',
};

/** The device authorization the IdP answers with in {@link runDeviceCode} unless told otherwise. */
export const deviceAuthorization: DeviceAuthorization = {
  deviceCode: 'dc',
  userCode: 'ABCD-EFGH',
  verificationUri: 'https://idp/device',
  expiresIn: 60,
};

/**
 * The device-code machine started on a simulated clock: each poll answers the next of `answers`
 * (an Error rejects; none left is `pending`), and the times of the polls and what was shown are kept.
 */
export function runDeviceCode(answers: Array<PollResult | Error>, auth: DeviceAuthorization = deviceAuthorization) {
  const clock = new SimulatedClock();
  const polls: number[] = [];
  const shown: unknown[] = [];
  const actor = createActor(
    deviceCodeMachine.provide({
      actors: {
        requestDeviceCode: fromPromise(async (): Promise<DeviceAuthorization> => auth),
        pollToken: fromPromise(async (): Promise<PollResult> => {
          polls.push(clock.now());
          const next = answers.shift() ?? { kind: 'pending' };
          if (next instanceof Error) throw next;
          return next;
        }),
        validateIdToken: fromPromise(async (): Promise<IdClaims> => ({ iss: 'i', sub: 's', aud: 'a' })),
        inspectToken: fromPromise(async (): Promise<Inspection> => ({ subject: 's', projects: ['demo'] })),
      },
      actions: { showUserCode: (_, params) => shown.push(params) },
    }),
    { input: { clientId: 'cli', scope: 'openid', project: 'demo' }, clock },
  ).start();
  actor.send({ type: 'START', now: 0 });
  return { actor, clock, polls, shown };
}

/** The events that bring the device-code machine from START to the tokens of an approved code. */
export const deviceCodeToTokens = (withTokens: object) => [
  { type: 'START', now: 0 },
  {
    type: 'xstate.done.actor.requestDeviceCode',
    output: { deviceCode: 'd', userCode: 'U', verificationUri: 'https://x', expiresIn: 600 },
  },
  { type: 'xstate.after.pollInterval.deviceCode.awaitingUser' },
  { type: 'xstate.done.actor.pollToken', output: { kind: 'tokens', tokens: withTokens } },
];
