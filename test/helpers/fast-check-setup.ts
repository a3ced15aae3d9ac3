import fc from 'fast-check';

// Replay a failure with FC_SEED=<seed> (the seed is printed with every counterexample).
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const numRuns = process.env.FC_NUM_RUNS ? Number(process.env.FC_NUM_RUNS) : process.env.CI ? 200 : undefined;
// Bounded by count and by time: on a loaded 2-core machine a property stops after this many ms with
// the runs it made (each of which had to pass), instead of running into the test's timeout. The long
// runs (`npm run fuzz`, 10,000 cases) set FC_TIME_LIMIT_MS=0 for no limit.
const timeLimit = process.env.FC_TIME_LIMIT_MS === undefined ? 8_000 : Number(process.env.FC_TIME_LIMIT_MS);
fc.configureGlobal({
  ...(seed === undefined ? {} : { seed }),
  ...(numRuns === undefined ? {} : { numRuns }),
  ...(timeLimit > 0 ? { interruptAfterTimeLimit: timeLimit, markInterruptAsFailure: false } : {}),
});
