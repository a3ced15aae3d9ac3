import fc from 'fast-check';

// Replay a failure with FC_SEED=<seed> (the seed is printed with every counterexample).
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const numRuns = process.env.FC_NUM_RUNS ? Number(process.env.FC_NUM_RUNS) : process.env.CI ? 200 : undefined;
fc.configureGlobal({ ...(seed === undefined ? {} : { seed }), ...(numRuns === undefined ? {} : { numRuns }) });
