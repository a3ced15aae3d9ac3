import type { Failure } from './failure.js';

/**
 * The types every machine declares to XState's `setup`: its Context, Event, Input and (for the machines
 * that end with one) Output, so that a machine's contract reads as one line.
 */
export interface MachineTypes<TContext, TEvent, TInput, TOutput = never> {
  readonly context: TContext;
  readonly events: TEvent;
  readonly input: TInput;
  readonly output?: TOutput;
}

/** What every flow that waits for a browser's callback keeps in its context. */
export interface CallbackWaitContext {
  /** The last time (ms since epoch) an event told the machine. */
  readonly now: number;
  /** Absolute time (ms since epoch) by which the callback must arrive, so a restored flow keeps it. */
  readonly callbackDeadline: number | null;
  readonly failure: Failure | null;
  readonly ignoreStrayCallbacks: boolean;
  /** Callbacks that did not belong to this attempt and were ignored (with `ignoreStrayCallbacks`). */
  readonly ignoredCallbacks: number;
}

/**
 * The events of a flow that waits for a browser's callback: START and RETRY carry a new attempt
 * (`TBegin`), CALLBACK what the driver read from the callback URL, RESUME the time after a restore.
 */
export type CallbackWaitEvent<TBegin, TCallback> =
  | ({ readonly type: 'START' } & TBegin)
  | { readonly type: 'CALLBACK'; readonly callback: TCallback }
  | { readonly type: 'RESUME'; readonly now: number }
  | { readonly type: 'CANCEL' }
  | ({ readonly type: 'RETRY' } & TBegin);

/** The {@link CallbackWaitContext} of a flow that has not started waiting yet. */
export const notWaitingYet = (input: { readonly ignoreStrayCallbacks?: boolean | undefined }): CallbackWaitContext => ({
  now: 0,
  callbackDeadline: null,
  failure: null,
  ignoreStrayCallbacks: input.ignoreStrayCallbacks ?? false,
  ignoredCallbacks: 0,
});
