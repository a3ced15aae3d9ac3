import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { isFailureCode } from '../../machines/shared/failure.js';
import { flush, liveHarness } from '../helpers/live-harness.js';
import { machinesUnderTest } from './registry.js';

type Harness = ReturnType<typeof liveHarness>;
interface Model {
  /** How many effects had started when the actor reached a final state; null while it has not. */
  startedAtFinal: number | null;
}

const check = (model: Model, real: Harness, failureStates: readonly string[]) => {
  const snapshot = real.actor.getSnapshot();
  expect(real.errors).toEqual([]);
  expect(snapshot.status).not.toBe('error');
  expect(real.running()).toBeLessThanOrEqual(1);
  if (failureStates.some((s) => snapshot.matches(s))) {
    expect(isFailureCode((snapshot.context as { failure?: { code?: unknown } }).failure?.code)).toBe(true);
  }
  if (snapshot.status === 'done') {
    model.startedAtFinal ??= real.started.length;
    expect(real.started.length).toBe(model.startedAtFinal);
  }
};

/** One thing the world does to the live actor (`act`), after which the invariants are checked. */
class Step implements fc.AsyncCommand<Model, Harness> {
  constructor(
    readonly label: string,
    readonly act: (real: Harness) => void,
    readonly failureStates: readonly string[],
  ) {}
  check = () => true;
  async run(model: Model, real: Harness) {
    this.act(real);
    await flush();
    check(model, real, this.failureStates);
  }
  toString = () => this.label;
}

describe.each(machinesUnderTest)('the $name machine as a live actor', (m) => {
  const commands = [
    ...m.events
      .filter((e) => !e.type.startsWith('xstate.'))
      .map((e) => fc.constant(new Step(`send(${e.type})`, (real) => real.actor.send(e), m.failureStates))),
    ...m.events
      .filter((e) => /^xstate\.(done|error)\.actor\./.test(e.type))
      .map((e) => {
        const name = e.type.replace(/^xstate\.(done|error)\.actor\./, '');
        const outcome = e.type.includes('.done.')
          ? { output: (e as { output?: unknown }).output }
          : { error: (e as { error?: unknown }).error };
        const label = `${'error' in outcome ? 'reject' : 'resolve'}(${name})`;
        return fc.constant(new Step(label, (real) => real.settle(name, outcome), m.failureStates));
      }),
    fc
      .integer({ min: 1, max: 400_000 })
      .map((ms) => new Step(`advance(${ms})`, (real) => real.clock.increment(ms), m.failureStates)),
  ];

  test.prop([fc.commands(commands, { maxCommands: 30 })], { numRuns: 60 })(
    'with effects settled in any order and time passing: no unhandled error, one effect at a time, typed failures, and nothing started after a final state',
    async (cmds) => {
      await fc.asyncModelRun(() => ({ model: { startedAtFinal: null }, real: liveHarness(m.machine, m.input) }), cmds);
    },
  );
});

describe('the live harness itself', () => {
  test('starts an effect per invoke and follows its settlement', async () => {
    const m = machinesUnderTest.find((x) => x.name === 'login-url');
    if (!m) throw new Error('registry');
    const h = liveHarness(m.machine, m.input);
    h.actor.send({ type: 'START', flowId: 'f1', now: 0 });
    await flush();
    expect(h.started).toEqual(['fetchLoginUrl']);
    expect(h.settle('fetchLoginUrl', { output: 'http://cdf/login' })).toBe(true);
    await flush();
    expect(h.started).toEqual(['fetchLoginUrl', 'navigateToIdp']);
    h.actor.send({ type: 'CANCEL' });
    await flush();
    expect(h.actor.getSnapshot().status).toBe('done');
    expect(h.running()).toBe(0);
  });
});
