import { fromPromise } from 'xstate';

/**
 * A placeholder actor that rejects: machines name their effects, drivers supply them with
 * `machine.provide({ actors })`. Running a machine without its driver fails loudly instead of
 * silently doing I/O.
 */
export function notProvided<TOutput, TInput>(name: string) {
  return fromPromise<TOutput, TInput>(async () => {
    throw new Error(`The actor "${name}" was not provided; use a driver or machine.provide().`);
  });
}
