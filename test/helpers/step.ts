import {
  type AnyStateMachine,
  type EventFromLogic,
  type EventObject,
  type InputFrom,
  initialTransition,
  type SnapshotFrom,
  transition,
} from 'xstate';

/**
 * The events XState itself delivers to a machine: an invoked actor's result or failure, and a delayed
 * transition's timer. A machine's event type does not list them, so they are typed here, once.
 */
export type XStateEvent =
  | { readonly type: `xstate.done.actor.${string}`; readonly output?: unknown }
  | { readonly type: `xstate.error.actor.${string}`; readonly error: unknown }
  | { readonly type: `xstate.after.${string}` };

/** One pure step: the snapshot after `event`, whether the machine's own or one of XState's. */
export function step<TMachine extends AnyStateMachine>(
  machine: TMachine,
  snapshot: SnapshotFrom<TMachine>,
  event: EventFromLogic<TMachine> | XStateEvent | (EventObject & Record<string, unknown>),
): SnapshotFrom<TMachine> {
  // The one place where XState's own events are given to `transition`, whose type knows only the machine's.
  return transition(machine, snapshot as never, event as EventFromLogic<TMachine>)[0] as SnapshotFrom<TMachine>;
}

/** {@link step}, with the actions the transition would run (what an effect is started with, say). */
export function stepWithActions<TMachine extends AnyStateMachine>(
  machine: TMachine,
  snapshot: SnapshotFrom<TMachine>,
  event: EventFromLogic<TMachine> | XStateEvent | (EventObject & Record<string, unknown>),
): [SnapshotFrom<TMachine>, unknown[]] {
  const [next, actions] = transition(machine, snapshot as never, event as EventFromLogic<TMachine>);
  return [next as SnapshotFrom<TMachine>, actions];
}

/** An event as the tests write it: the machine's own or one of XState's, not checked against the machine. */
export type AnyEvent = { type: string; [key: string]: unknown };

/** The snapshot after `events`, each given by {@link step}, from the initial snapshot for `input`. */
export const run = <M extends AnyStateMachine>(machine: M, input: InputFrom<M>, events: AnyEvent[]): SnapshotFrom<M> =>
  events.reduce<SnapshotFrom<M>>(
    (s, e) => step(machine, s, e),
    initialTransition(machine, input)[0] as SnapshotFrom<M>,
  );
