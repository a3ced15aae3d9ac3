/**
 * What the flows that send the person's browser away and wait for its callback share (the login URL and
 * authorization code): their wait context and events, the first judgement of a callback, and the two
 * states `redirectingToIdp` and `awaitingCallback`. A machine that uses them names its actor
 * `navigateToIdp`, its delays `navigateTimeout` and `callbackTimeout`, its guards `isStrayCallback` and
 * `isInvalidCallback`, and its actions `fail`, `countIgnored`, `takeNow` and `enterStep`.
 */
import { type Failure, failOnError, failOnTimeout, failWhen, failWith } from './failure.js';
import type { FlowProgress } from './outcome.js';

/** What every flow that waits for a browser's callback keeps in its context. */
export interface CallbackWaitContext extends FlowProgress {
  /** The last time (ms since epoch) an event told the machine. */
  readonly now: number;
  /** Absolute time (ms since epoch) by which the callback must arrive, so a restored flow keeps it. */
  readonly callbackDeadline: number | null;
  /** Whether a callback of no attempt of this machine is ignored rather than failing the flow. */
  readonly ignoreStrayCallbacks: boolean;
  /** Callbacks that did not belong to this attempt and were ignored (with `ignoreStrayCallbacks`). */
  readonly ignoredCallbacks: number;
}

/**
 * The events of a flow that waits for a browser's callback: START carries the attempt
 * (`TBegin`), CALLBACK what the driver read from the callback URL, RESUME the time after a restore.
 */
export type CallbackWaitEvent<TBegin, TCallback> =
  | ({
      /** Begin the first attempt. */
      readonly type: 'START';
    } & TBegin)
  | {
      /** The browser came back to the redirect URL. */
      readonly type: 'CALLBACK';
      /** What the driver read from the callback URL. */
      readonly callback: TCallback;
    }
  | {
      /** The flow was restored from a snapshot: the wait goes on from `now`. */
      readonly type: 'RESUME';
      /** The time, ms since epoch. */
      readonly now: number;
    }
  | {
      /** End the flow. */
      readonly type: 'CANCEL';
    };

/** The {@link CallbackWaitContext} of a flow that has not started waiting yet. */
export const notWaitingYet = (input: { readonly ignoreStrayCallbacks?: boolean | undefined }): CallbackWaitContext => ({
  now: 0,
  callbackDeadline: null,
  step: 'idle',
  failure: null,
  ignoreStrayCallbacks: input.ignoreStrayCallbacks ?? false,
  ignoredCallbacks: 0,
});

/**
 * How every callback is judged first: a stray one is counted and ignored (no target: the machine keeps
 * waiting for the real callback), an unreadable one fails with `callbackInvalid` and its reason. The
 * machine names the guards `isStrayCallback` and `isInvalidCallback` and the action `countIgnored`.
 */
export const judgeCallback = <TArgs, TCallback extends { readonly kind: string }>(
  callbackOf: (args: TArgs) => TCallback,
) =>
  [
    { guard: { type: 'isStrayCallback', params: callbackOf }, actions: 'countIgnored' },
    failWhen('isInvalidCallback', callbackOf, (args: TArgs): Failure => {
      const { reason } = callbackOf(args) as TCallback & { readonly reason: string };
      return { code: 'callbackInvalid', message: `The callback URL could not be read (${reason}); sign in again.` };
    }),
  ] as const;

/**
 * Sends the browser to the IdP. A fast browser may come back before the opener reports that it is done,
 * so the callback is judged here too.
 */
export const redirectingToIdp = <TInput, TOnCallback>(input: TInput, onCallback: TOnCallback, lateMessage: string) =>
  ({
    tags: ['busy'],
    entry: { type: 'enterStep', params: 'redirectingToIdp' },
    invoke: {
      id: 'navigateToIdp',
      src: 'navigateToIdp',
      input,
      onDone: 'awaitingCallback',
      onError: failOnError('navigationFailed'),
    },
    after: { navigateTimeout: failWith({ code: 'navigationFailed', message: lateMessage } satisfies Failure) },
    on: { CALLBACK: onCallback, CANCEL: 'cancelled' },
  }) as const;

/**
 * Waits for the person to come back, until the absolute deadline; RESUME (a flow restored from a
 * snapshot) re-enters the state, so that the timer is set again from the new time.
 */
export const awaitingCallback = <TOnCallback>(onCallback: TOnCallback) =>
  ({
    tags: ['persistable', 'waitingForUser'],
    entry: { type: 'enterStep', params: 'awaitingCallback' },
    after: { callbackTimeout: failOnTimeout('Sign-in was not completed in time; start again.') },
    on: {
      CALLBACK: onCallback,
      RESUME: {
        target: 'awaitingCallback',
        reenter: true,
        actions: { type: 'takeNow', params: ({ event }: { event: { readonly now: number } }) => event.now },
      },
      CANCEL: 'cancelled',
    },
  }) as const;
