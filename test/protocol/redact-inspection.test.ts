/**
 * Inspection events without secrets, event type by event type: the event's payload, the context, the
 * output, action params and the live actor (replaced by names and a redacted snapshot); a microstep's
 * transitions by name with the guard that held; and the one `inspect` wrapper every driver uses.
 */

import { describe, expect, it } from 'vitest';
import { assign, createActor, fromPromise, type InspectionEvent, setup, toPromise } from 'xstate';
import { REDACTED } from '../../src/protocol/redact.js';
import { inspectorFor, redactInspectionEvent, redactSnapshot } from '../../src/protocol/redact-inspection.js';

const machine = setup({
  guards: { allowed: () => true },
  actions: {
    keep: assign((_, params: { apiKey: string }) => ({ apiKey: params.apiKey })),
    note: (_, _params: { apiKey: string }) => {},
  },
  actors: { fetchIt: fromPromise(async () => ({ accessToken: 'at-secret', expiresAt: 1 })) },
}).createMachine({
  id: 'demo',
  initial: 'idle',
  context: { refreshToken: 'rt-secret', apiKey: '', step: 'idle' },
  output: () => ({ idToken: 'id-secret', user: 'alice' }),
  states: {
    idle: {
      on: {
        GO: {
          guard: 'allowed',
          target: 'busy',
          actions: [
            { type: 'keep', params: { apiKey: 'ak-secret' } },
            { type: 'note', params: { apiKey: 'ak-secret' } },
          ],
        },
      },
    },
    busy: { invoke: { id: 'fetchIt', src: 'fetchIt', onDone: 'done' } },
    done: { type: 'final' },
  },
});

/** Runs the machine to its end; answers every raw inspection event. */
async function inspected(): Promise<InspectionEvent[]> {
  const events: InspectionEvent[] = [];
  const actor = createActor(machine, { inspect: (event) => events.push(event) });
  actor.start();
  actor.send({ type: 'GO', code: 'code-secret' } as never);
  await toPromise(actor);
  return events;
}

const SECRETS = ['rt-secret', 'ak-secret', 'code-secret', 'at-secret', 'id-secret'];

describe('redactInspectionEvent', () => {
  it('holds no secret in any event, also through the actor an inspector asks later', async () => {
    const raw = await inspected();
    const redacted = raw.map(redactInspectionEvent);
    const seen = JSON.stringify(
      redacted.map((event) => ({ ...event, later: event.actorRef.getSnapshot() })),
      (_, value) => (typeof value === 'function' ? undefined : value),
    );
    for (const secret of SECRETS) expect(seen).not.toContain(secret);
    // The raw events did hold them: the check above can fail.
    expect(JSON.stringify(raw.map((event) => event.actorRef.getSnapshot()))).toContain('rt-secret');
    expect(seen).toContain(REDACTED);
  });

  it("an event's payload and an action's params are redacted, their names kept", async () => {
    const redacted = (await inspected()).map(redactInspectionEvent);
    const go = redacted.find((e) => e.type === '@xstate.event' && e.event.type === 'GO');
    expect(go?.type === '@xstate.event' && go.event).toEqual({ type: 'GO', code: REDACTED });
    const keep = redacted.find((e) => e.type === '@xstate.action' && e.action.type === 'note');
    expect(keep?.type === '@xstate.action' && keep.action).toEqual({ type: 'note', params: { apiKey: REDACTED } });
  });

  it("a microstep's transitions are names: event, source, targets and the guard that held", async () => {
    const redacted = (await inspected()).map(redactInspectionEvent);
    const step = redacted.find((e) => e.type === '@xstate.microstep' && e.event.type === 'GO');
    expect(step?.type === '@xstate.microstep' && step._transitions).toEqual([
      { eventType: 'GO', source: 'idle', target: ['busy'], guard: 'allowed' },
    ]);
    const done = redacted.find((e) => e.type === '@xstate.microstep' && e.event.type.startsWith('xstate.done.actor'));
    expect(done?.type === '@xstate.microstep' && done._transitions).toEqual([
      { eventType: 'xstate.done.actor.fetchIt', source: 'busy', target: ['done'], guard: null },
    ]);
  });

  it('the actor is replaced: ids, parent, definition and a redacted snapshot with children by session id', async () => {
    const raw = await inspected();
    const root = raw.find((e) => e.type === '@xstate.snapshot' && e.actorRef.getSnapshot().value === 'done');
    if (!root) throw new Error('the final snapshot');
    const actor = redactInspectionEvent(root).actorRef as unknown as Record<string, unknown>;
    expect(Object.keys(actor).sort()).toEqual(['getSnapshot', 'id', 'logic', 'sessionId']);
    expect((actor.logic as { config: { id: string } }).config.id).toBe('demo');
    expect((actor.getSnapshot as () => unknown)()).toEqual({
      status: 'done',
      value: 'done',
      context: { refreshToken: REDACTED, apiKey: REDACTED, step: 'idle' },
      output: { idToken: REDACTED, user: 'alice' },
      children: {},
    });
    const child = raw.find((e) => e.type === '@xstate.actor' && (e.actorRef as { id?: string }).id === 'fetchIt');
    if (!child) throw new Error('the invoked actor');
    const redactedChild = redactInspectionEvent(child).actorRef as unknown as { _parent: unknown };
    expect(redactedChild._parent).toEqual({ sessionId: root.actorRef.sessionId });
    const busy = raw.find((e) => e.type === '@xstate.snapshot' && (e.snapshot as { value?: unknown }).value === 'busy');
    if (busy?.type !== '@xstate.snapshot') throw new Error('busy');
    expect((redactInspectionEvent(busy) as { snapshot: unknown }).snapshot).toMatchObject({
      children: { fetchIt: { sessionId: expect.any(String) } },
    });
  });

  it('a snapshot keeps only the keys it has (none set to undefined), and its live children as session ids', () => {
    for (const key of ['status', 'value', 'context', 'output', 'error']) {
      expect(Object.keys(redactSnapshot({ [key]: 'x' }))).toEqual([key]);
    }
    const child = { sessionId: 'x:7', getSnapshot: () => ({ context: { refreshToken: 'rt-secret' } }) };
    expect(redactSnapshot({ children: { live: child, gone: undefined } })).toStrictEqual({
      children: { live: { sessionId: 'x:7' } },
    });
  });

  it("a transition without a source, targets or a target's key is named with null and []", () => {
    const actorRef = { id: 'a', sessionId: 'x:1', getSnapshot: () => ({}) };
    const step = redactInspectionEvent({
      type: '@xstate.microstep',
      actorRef,
      event: { type: 'E' },
      snapshot: {},
      _transitions: [{ eventType: 'E' }, { eventType: 'F', source: {}, target: [{}], guard: 'g' }],
    } as unknown as InspectionEvent);
    expect(step.type === '@xstate.microstep' && step._transitions).toEqual([
      { eventType: 'E', source: null, target: [], guard: null },
      { eventType: 'F', source: null, target: [null], guard: 'g' },
    ]);
  });

  it('a snapshot of nothing is empty, and an error is reduced to its name and redacted message', () => {
    expect(redactSnapshot(undefined)).toEqual({});
    expect(redactSnapshot({ status: 'error', error: new Error('bad eyJhbGci.eyJzdWIi.sig') })).toEqual({
      status: 'error',
      error: { name: 'Error', message: `bad ${REDACTED}` },
    });
  });
});

describe('inspectorFor, the one inspect wrapper of every driver', () => {
  const event = { type: '@xstate.event', event: { type: 'GO', code: 'c-secret' } } as unknown as InspectionEvent;
  const withActor = {
    ...event,
    actorRef: { id: 'a', sessionId: 'x:0', getSnapshot: () => ({}) },
  } as unknown as InspectionEvent;

  it('is undefined without an observer', () => {
    expect(inspectorFor(undefined)).toBeUndefined();
    expect(inspectorFor({})).toBeUndefined();
  });

  it('delivers redacted events to a function and to an observer, raw ones only with unsafeUnredacted', () => {
    const got: InspectionEvent[] = [];
    inspectorFor({ inspect: (e) => got.push(e) })?.(withActor);
    inspectorFor({ inspect: { next: (e) => got.push(e) } })?.(withActor);
    inspectorFor({ inspect: (e) => got.push(e), unsafeUnredacted: true })?.(withActor);
    expect(got.map((e) => (e as unknown as { event: { code: string } }).event.code)).toEqual([
      REDACTED,
      REDACTED,
      'c-secret',
    ]);
    expect(got[2]).toBe(withActor);
  });

  it('an observer that throws does not end the flow', () => {
    const inspect = inspectorFor({
      inspect: () => {
        throw new Error('inspector down');
      },
    });
    expect(() => inspect?.(withActor)).not.toThrow();
  });
});
