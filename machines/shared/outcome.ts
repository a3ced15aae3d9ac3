/**
 * How every flow ends. A flow signs in and stops: its final states are `authenticated`, `failed` and
 * `cancelled`, and its XState output says which, with the credential or the failure. What happens after
 * sign-in (renewing, a 401, logout) belongs to the session (`machines/session.ts`), not to the flow;
 * trying again is a new actor.
 */
import type { Failure } from './failure.js';

/** The output of every flow machine, read by drivers with xstate's `toPromise(actor)`. */
export type FlowOutput<TCredential> =
  | {
      /** Signed in. */
      readonly status: 'signedIn';
      /** What the flow signed in with. Secret. */
      readonly credential: TCredential;
    }
  | {
      /** Stopped for a reason; `failure.state` names the state it happened in. */
      readonly status: 'failed';
      /** Why, with a stable code. Holds no secret. */
      readonly failure: Failure;
    }
  | {
      /** Cancelled before it signed in. */
      readonly status: 'cancelled';
    };

/**
 * What every flow keeps to end with a {@link FlowOutput}. Each working state enters with the action
 * `enterStep` (`assign((_, step: string) => ({ step }))`, declared in the machine's own `setup` so that
 * XState types it against its context) and its name as params, so that a failure can say where it happened.
 */
export interface FlowProgress {
  /** The working state the flow is in (or failed in), for `failure.state`; `idle` before START. */
  readonly step: string;
  /** Why the flow failed, else `null`. */
  readonly failure: Failure | null;
}

/** An invoked actor's answer: `xstate.done.actor.<id>` or `xstate.error.actor.<id>`. */
const ACTOR_EVENT = /^xstate\.(?:done|error)\.actor\.(.+)$/;

/**
 * A failure stamped with where it happened: the state the flow was in, the event that led into `failed`
 * (by type) and, for an actor's answer, the actor's id. Names only: the event's payload stays out.
 */
export const failureAt = (progress: FlowProgress, failure: Failure, event: { readonly type: string }): Failure => {
  const actor = ACTOR_EVENT.exec(event.type)?.[1];
  return { ...failure, state: progress.step, event: event.type, ...(actor === undefined ? {} : { actor }) };
};

/**
 * The machine's `output`: `signedIn` with `credentialOf(context)` when it holds one, `failed` with the
 * failure, else `cancelled`. Only final states produce an output, and each sets one of the three.
 */
export const flowOutput =
  <TContext extends FlowProgress, TCredential>(credentialOf: (context: TContext) => TCredential | null) =>
  ({ context }: { context: TContext }): FlowOutput<TCredential> => {
    const credential = credentialOf(context);
    if (credential !== null) return { status: 'signedIn', credential };
    if (context.failure !== null) return { status: 'failed', failure: context.failure };
    return { status: 'cancelled' };
  };

/**
 * The final states every flow ends in. `cancelled` runs the machine's own `forget` action, which drops
 * the secrets it holds (a failure drops them too, in `fail`).
 */
export const ENDINGS = {
  authenticated: { type: 'final' },
  failed: { type: 'final' },
  cancelled: { type: 'final', entry: 'forget' },
} as const;
