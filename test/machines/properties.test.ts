import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { type EventObject, initialTransition, type SnapshotFrom, transition } from 'xstate';
import { apiKeyMachine } from '../../machines/api-key.js';
import { loginUrlMachine } from '../../machines/login-url.js';
import { isFailureCode } from '../../machines/shared/failure.js';
import { step } from '../helpers/step.js';
import { apiKeyEvents, loginUrlEvents } from './events.js';

const flowIds = fc.constantFrom('f1', 'f2', 'F1', '', null);
const callbackArb = fc.oneof(
  fc.record({
    kind: fc.constant('tokens' as const),
    flowId: flowIds,
    accessToken: fc.string({ minLength: 1 }),
    idToken: fc.string({ minLength: 1 }),
  }),
  fc.record({ kind: fc.constant('error' as const), flowId: flowIds, error: fc.string() }),
  fc.record({ kind: fc.constant('invalid' as const), reason: fc.string() }),
);
const projectArb = fc.constantFrom('demo', 'DEMO', 'other', '');
const validationArb = fc.record({
  token: fc.record({ valid: fc.boolean(), expired: fc.boolean() }),
  status: fc.record({ loggedIn: fc.boolean(), user: fc.string(), project: projectArb, projectId: fc.integer() }),
  expiresAt: fc.option(fc.nat()),
});
const loginUrlEvent: fc.Arbitrary<EventObject> = fc.oneof(
  fc.constantFrom(...loginUrlEvents),
  callbackArb.map((callback) => ({ type: 'CALLBACK', callback })),
  validationArb.map((output) => ({ type: 'xstate.done.actor.validateToken', output })),
  fc.record({ type: fc.constantFrom('START', 'RETRY'), flowId: flowIds.map((f) => f ?? 'f3'), now: fc.nat() }),
);

/** Sends `events` to a fresh login-URL flow until it ends, calling `each` after every step; the last snapshot. */
function walkLoginUrl(
  events: readonly EventObject[],
  each: (snapshot: SnapshotFrom<typeof loginUrlMachine>) => void = () => {},
) {
  let snapshot = initialTransition(loginUrlMachine, { project: 'demo', redirectUrl: 'http://127.0.0.1:1/cb' })[0];
  for (const event of events) {
    if (snapshot.status !== 'active') break;
    snapshot = step(loginUrlMachine, snapshot, event);
    each(snapshot);
  }
  return snapshot;
}

describe('login-url machine properties', () => {
  test.prop([fc.array(loginUrlEvent, { maxLength: 40 })])(
    'login-url: it is authenticated only with tokens from a callback that carried the current flow id, validated for the configured project',
    (events) => {
      let snapshot = initialTransition(loginUrlMachine, { project: 'Demo', redirectUrl: 'http://127.0.0.1:1/cb' })[0];
      let validated: { tokens: unknown; output: unknown } | undefined;
      for (const event of events) {
        if (snapshot.status !== 'active') break; // a live actor drops events once final
        const before = snapshot;
        snapshot = step(loginUrlMachine, snapshot, event);
        if (before.matches('validatingToken') && event.type === 'xstate.done.actor.validateToken') {
          validated = { tokens: before.context.tokens, output: (event as unknown as { output: unknown }).output };
        }
        if (snapshot.matches('validatingToken') && !before.matches('validatingToken')) {
          const callback = (event as { callback?: { flowId?: unknown } }).callback;
          expect(event.type).toBe('CALLBACK');
          expect(callback?.flowId).toBe(snapshot.context.flowId);
        }
      }
      if (snapshot.matches('authenticated')) {
        if (!validated) throw new Error('authenticated without a validation');
        const output = validated.output as {
          token: { valid: boolean; expired: boolean };
          status: { loggedIn: boolean; project: string };
        };
        expect(output.token.valid && !output.token.expired && output.status.loggedIn).toBe(true);
        expect(output.status.project.toLowerCase()).toBe('demo');
        expect(snapshot.context.session?.accessToken).toBe((validated.tokens as { accessToken: string }).accessToken);
      }
    },
  );

  test.prop([fc.array(loginUrlEvent, { maxLength: 40 })])(
    'login-url: failed always carries a failure with a stable code, and failed or cancelled never hold tokens',
    (events) => {
      walkLoginUrl(events, (snapshot) => {
        if (snapshot.matches('failed')) {
          expect(isFailureCode(snapshot.context.failure?.code)).toBe(true);
          expect(snapshot.context.failure?.message).toEqual(expect.any(String));
        }
        if (snapshot.matches('failed') || snapshot.matches('cancelled')) {
          expect(snapshot.context.tokens).toBeNull();
          expect(snapshot.context.session).toBeNull();
        }
      });
    },
  );

  test.prop([fc.array(loginUrlEvent, { maxLength: 40 })])(
    'login-url: CANCEL from any state that is not final ends the flow cancelled, final, with no tokens',
    (events) => {
      const snapshot = walkLoginUrl(events);
      if (snapshot.status === 'done') return;
      const cancelled = transition(loginUrlMachine, snapshot, { type: 'CANCEL' })[0];
      expect(cancelled.value).toBe('cancelled');
      expect(cancelled.status).toBe('done');
      expect(cancelled.context.tokens).toBeNull();
      expect(cancelled.output).toEqual({ status: 'cancelled' });
    },
  );
});

const apiKeyEvent: fc.Arbitrary<EventObject> = fc.oneof(
  fc.constantFrom(...apiKeyEvents),
  fc
    .record({
      loggedIn: fc.boolean(),
      user: fc.string(),
      project: projectArb,
      projectId: fc.integer(),
      apiKeyId: fc.option(fc.nat()),
    })
    .map((output) => ({ type: 'xstate.done.actor.verifyApiKey', output })),
);

describe('api-key machine properties', () => {
  test.prop([fc.array(apiKeyEvent, { maxLength: 40 })])(
    'api-key: it signs in only right after a verification that said logged in, for the configured project',
    (events) => {
      let snapshot = initialTransition(apiKeyMachine, { project: 'Demo' })[0];
      for (const event of events) {
        if (snapshot.status !== 'active') break; // a live actor drops events once final
        const before = snapshot;
        snapshot = step(apiKeyMachine, snapshot, event);
        if (snapshot.matches('authenticated') && !before.matches('authenticated')) {
          expect(event.type).toBe('xstate.done.actor.verifyApiKey');
          const output = (event as unknown as { output: { loggedIn: boolean; project: string } }).output;
          expect(output.loggedIn).toBe(true);
          expect(output.project.toLowerCase()).toBe('demo');
        }
        if (snapshot.matches('failed')) {
          expect(isFailureCode(snapshot.context.failure?.code)).toBe(true);
          expect(snapshot.context.identity).toBeNull();
        }
      }
    },
  );
});
