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
