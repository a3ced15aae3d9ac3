import { type AnyStateMachine, createActor, fromPromise, SimulatedClock } from 'xstate';

/**
 * A machine running as a live actor on a simulated clock, every actor it invokes replaced by a deferred
 * promise that the test settles: effects become explicit, countable steps.
 */
export function liveHarness(machine: AnyStateMachine, input: unknown) {
  const clock = new SimulatedClock();
  const started: string[] = [];
  const inputs: Record<string, unknown[]> = {};
  const pending = new Map<string, { resolve(value: unknown): void; reject(error: unknown): void }>();
  const names = Object.keys((machine.implementations as { actors: Record<string, unknown> }).actors);
  const actors = Object.fromEntries(
    names.map((name) => [
      name,
      fromPromise(
        ({ signal, input }) =>
          new Promise((resolve, reject) => {
            started.push(name);
            inputs[name] = [...(inputs[name] ?? []), input];
            pending.set(name, { resolve, reject });
            signal.addEventListener('abort', () => pending.delete(name));
          }),
      ),
    ]),
  );
  const actor = createActor(machine.provide({ actors, actions: { showUserCode: () => {} } } as never), {
    input,
    clock,
  });
  const errors: unknown[] = [];
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.start();
  return {
    actor,
    clock,
    started,
    /** The input each effect was started with, in order. */
    inputs,
    errors,
    /** Settles the pending effect `name`, if there is one; true when there was. */
    settle(name: string, outcome: { output?: unknown; error?: unknown }): boolean {
      const effect = pending.get(name);
      if (!effect) return false;
      pending.delete(name);
      if ('error' in outcome) effect.reject(outcome.error);
      else effect.resolve(outcome.output);
      return true;
    },
    running: () => Object.keys(actor.getSnapshot().children ?? {}).length,
  };
}

/** Lets promise callbacks and XState's microtasks run. */
export const flush = async () => {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
};
