import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { type AnyMachineSnapshot, initialTransition } from 'xstate';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import { deviceCodeMachine } from '../../machines/device-code.js';
import { sessionMachine } from '../../machines/session.js';
import { isFailureCode } from '../../machines/shared/failure.js';
import { redact } from '../../src/protocol/redact.js';
import { stepWithActions } from '../helpers/step.js';
import { authorizationCodeEvents, deviceCodeEvents, sessionEvents } from './events.js';
import { machinesUnderTest } from './registry.js';

/** Replays events as a live actor would: events after a final state are dropped. */
function replay(
  m: (typeof machinesUnderTest)[number],
  events: readonly unknown[],
  each?: (before: AnyMachineSnapshot, event: { type: string }, after: AnyMachineSnapshot, actions: unknown[]) => void,
) {
  let snapshot = initialTransition(m.machine, m.input)[0] as AnyMachineSnapshot;
  for (const event of events as Array<{ type: string }>) {
    if (snapshot.status !== 'active') break;
    const [next, actions] = stepWithActions(m.machine, snapshot, event);
    each?.(snapshot, event, next, actions);
    snapshot = next;
  }
  return snapshot;
}

describe.each(machinesUnderTest)('invariants of the $name machine', (m) => {
  const sequences = fc.array(fc.constantFrom(...m.events), { maxLength: 40 });

  it('every state in which it waits (tagged busy or waitingForUser) has a named deadline', () => {
    for (const node of Object.values(m.machine.root.states)) {
      if (!node.tags.includes('busy') && !node.tags.includes('waitingForUser')) continue;
      const delays = node.after.map((t) => String(t.eventType));
      expect(delays.length, `${node.key} has no deadline`).toBeGreaterThan(0);
      expect(delays.every((d) => /^xstate\.after\.[a-zA-Z]+\./.test(d))).toBe(true);
    }
  });

  test.prop([sequences])('a failure state always carries a failure with a stable code and a message', (events) => {
    replay(m, events, (_before, _event, after) => {
      if (m.failureStates.some((s) => after.matches(s))) {
        const failure = (after.context as { failure?: { code: unknown; message: unknown } }).failure;
        expect(isFailureCode(failure?.code)).toBe(true);
        expect(typeof failure?.message).toBe('string');
      }
    });
  });

  test.prop([sequences])('after a final state, no event is taken and no actor is started', (events) => {
    const final = replay(m, events);
    if (final.status !== 'done') return;
    for (const event of m.events) {
      const next = m.machine.getTransitionData(final as never, event as never);
      expect(next.length).toBe(0);
    }
  });

  test.prop([sequences, fc.string({ minLength: 12, maxLength: 40 }).filter((s) => /^[A-Za-z0-9]+$/.test(s))])(
    'secrets that arrive in events never survive redaction of the snapshot',
    (events, secret) => {
      const seeded = events.map((event) =>
        JSON.parse(JSON.stringify(event).replace(/"(at|it|rt|dc|c|a|i|n1|v1|s1)"/g, `"${secret}$1"`)),
      );
      const snapshot = replay(m, seeded);
      expect(JSON.stringify(redact(snapshot.toJSON()))).not.toContain(secret);
    },
  );
});

/** The registry's entry for a machine, by its name. */
function underTest(name: string) {
  const m = machinesUnderTest.find((x) => x.name === name);
  if (!m) throw new Error(`no machine named ${name} in the registry`);
  return m;
}

describe('invariants of particular flows', () => {
  test.prop([fc.array(fc.constantFrom(...authorizationCodeEvents), { maxLength: 50 })])(
    'authorization code: a code is redeemed at most once per attempt, and never without a checked state and iss',
    (events) => {
      const m = underTest('authorization-code');
      let exchanges = 0;
      replay(m, events, (before, event, after) => {
        if (event.type === 'START') exchanges = 0;
        if (after.matches('exchangingCode') && !before.matches('exchangingCode')) {
          exchanges += 1;
          const params = (event as unknown as { callback: { params: Record<string, string> } }).callback.params;
          expect(params.state).toBe((before.context as { attempt: { state: string } }).attempt.state);
          expect(params.iss).toBe('https://idp.example');
        }
        expect(exchanges).toBeLessThanOrEqual(1);
      });
      expect(authorizationCodeMachine.id).toBe('authorizationCode');
    },
  );

  test.prop([fc.array(fc.constantFrom(...authorizationCodeEvents), { maxLength: 50 })])(
    'authorization code: authenticated only after a validated ID token and an inspection that lists the project',
    (events) => {
      const m = underTest('authorization-code');
      const final = replay(m, events);
      if (!final.matches('authenticated')) return;
      const context = final.context as { claims: unknown; inspection: { projects: string[] } };
      expect(context.claims).not.toBeNull();
      expect(context.inspection.projects.map((p) => p.toLowerCase())).toContain('demo');
    },
  );

  test.prop([fc.array(fc.constantFrom(...deviceCodeEvents), { maxLength: 60 })])(
    'device code: the wait between polls is never below 5 s, and slow_down adds exactly 5 s',
    (events) => {
      const m = underTest('device-code');
      replay(m, events, (before, event, after) => {
        const interval = (after.context as { intervalMs: number }).intervalMs;
        expect(interval).toBeGreaterThanOrEqual(5_000);
        const output = (event as unknown as { output?: { kind?: string } }).output;
        if (before.matches('polling') && output?.kind === 'slowDown') {
          expect(interval - (before.context as { intervalMs: number }).intervalMs).toBe(5_000);
        }
      });
      expect(deviceCodeMachine.id).toBe('deviceCode');
    },
  );

  test.prop([fc.array(fc.constantFrom(...sessionEvents), { maxLength: 60 })])(
    'session: while refreshing, no caller event starts a second refresh',
    (events) => {
      const m = underTest('session');
      replay(m, events, (before, event, _after, actions) => {
        if (before.matches('renewing') && ['GET_TOKEN', 'RENEW', 'UNAUTHORIZED'].includes(event.type)) {
          expect(actions.filter((a) => (a as { type?: string }).type === 'xstate.spawnChild')).toHaveLength(0);
        }
      });
      expect(sessionMachine.id).toBe('session');
    },
  );
});
