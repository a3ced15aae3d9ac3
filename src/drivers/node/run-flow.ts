/**
 * The part every Node flow shares: run an actor to a resting outcome, report each transition
 * (redacted), turn `CANCEL` into the one cancellation path, and clean up whatever happens.
 */
import {
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  createActor,
  type EventFromLogic,
  type InputFrom,
  type SnapshotFrom,
  waitFor,
} from 'xstate';
import type { Failure } from '../../../machines/shared/failure.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { redact } from '../../protocol/redact.js';

/** One step of a flow, as drivers report it: names and a failure, never a token. */
export interface FlowTransition {
  /** The machine's id, e.g. `loginUrl`. */
  readonly machine: string;
  /** The state left, e.g. `awaitingCallback`. */
  readonly from: string;
  /** The state entered. */
  readonly to: string;
  /** The event type that caused it, e.g. `xstate.done.actor.fetchLoginUrl`. */
  readonly event: string;
  /** Set when `to` is a failure state. */
  readonly failure?: Failure;
}

/** Options every Node flow accepts. */
export interface FlowOptions {
  /** Aborting cancels the flow: requests are aborted, listeners closed, and the flow rejects with code `cancelled`. */
  readonly signal?: AbortSignal;
  /** Called on every state change, with redacted data. */
  readonly onTransition?: (transition: FlowTransition) => void;
}

/** The state value of a snapshot as a dotted string. */
function stateName(snapshot: { value: unknown }): string {
  const walk = (value: unknown): string =>
    typeof value === 'string'
      ? value
      : Object.entries(value as Record<string, unknown>)
          .map(([key, inner]) => `${key}.${walk(inner)}`)
          .join(',');
  return walk(snapshot.value);
}

/**
 * Starts `machine`, sends `start`, and resolves with the first snapshot that is final or in one of
 * `restingFailures`. The actor is stopped afterwards, which aborts whatever it still runs.
 */
export async function runFlow<TMachine extends AnyStateMachine>(
  machine: TMachine,
  input: InputFrom<TMachine>,
  start: EventFromLogic<TMachine>,
  options: FlowOptions & {
    readonly restingFailures: readonly string[];
    readonly onActor?: (actor: AnyActorRef) => void;
  },
): Promise<SnapshotFrom<TMachine>> {
  if (options.signal?.aborted)
    throw new AuthFlowError({ code: 'cancelled', message: 'The flow was cancelled before it started.' });
  let lastEvent = 'xstate.init';
  const actor: AnyActorRef = createActor(machine as AnyStateMachine, {
    input,
    inspect: (inspection) => {
      if (inspection.type === '@xstate.event' && inspection.actorRef === actor) lastEvent = inspection.event.type;
    },
  });
  let previous = '';
  const subscription = actor.subscribe((snapshot: AnyMachineSnapshot) => {
    const now = stateName(snapshot);
    if (now === previous) return;
    const failure = (snapshot.context as { failure?: Failure | null }).failure;
    options.onTransition?.({
      machine: machine.id,
      from: previous || '(start)',
      to: now,
      event: lastEvent,
      ...(failure && options.restingFailures.includes(now) ? { failure: redact(failure) } : {}),
    });
    previous = now;
  });
  const cancel = () => actor.send({ type: 'CANCEL' } as never);
  options.signal?.addEventListener('abort', cancel, { once: true });
  try {
    actor.start();
    options.onActor?.(actor);
    actor.send(start as EventFromLogic<AnyStateMachine>);
    return (await waitFor(
      actor,
      (snapshot: AnyMachineSnapshot) =>
        snapshot.status !== 'active' || options.restingFailures.some((state) => snapshot.matches(state)),
      { timeout: Number.POSITIVE_INFINITY },
    )) as SnapshotFrom<TMachine>;
  } finally {
    options.signal?.removeEventListener('abort', cancel);
    subscription.unsubscribe();
    actor.stop();
  }
}

/** The failure of a resting failure state, or `cancelled`, as an {@link AuthFlowError}. */
export function flowError(snapshot: AnyMachineSnapshot): AuthFlowError {
  const failure = (snapshot.context as { failure?: Failure | null }).failure;
  return new AuthFlowError(failure ?? { code: 'cancelled', message: 'The flow was cancelled.' });
}

/** The output of a flow that ended `authenticated`; otherwise throws the {@link flowError} of how it ended. */
export function authenticatedOutput<TOutput extends { readonly status: string }>(
  snapshot: AnyMachineSnapshot & { readonly output?: TOutput | undefined },
): Extract<TOutput, { readonly status: 'authenticated' }> {
  if (snapshot.output?.status === 'authenticated')
    return snapshot.output as Extract<TOutput, { status: 'authenticated' }>;
  throw flowError(snapshot);
}
