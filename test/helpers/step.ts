import { type AnyStateMachine, type EventFromLogic, type EventObject, type SnapshotFrom, transition } from 'xstate';

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
