/**
 * The types every machine declares to XState's `setup`: its Context, Event, Input and (for the machines
 * that end with one) Output, so that a machine's contract reads as one line.
 */
export interface MachineTypes<TContext, TEvent, TInput, TOutput = never> {
  /** The machine's context. */
  readonly context: TContext;
  /** The events the world can send it. */
  readonly events: TEvent;
  /** What it is created with. */
  readonly input: TInput;
  /** What it ends with, for the machines that end with one. */
  readonly output?: TOutput;
}
