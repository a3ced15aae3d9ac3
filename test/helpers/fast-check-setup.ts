import fc from 'fast-check';

// Replay a failure with FC_SEED=<seed> (the seed is printed with every counterexample).
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
fc.configureGlobal({ ...(seed === undefined ? {} : { seed }), ...(process.env.CI ? { numRuns: 200 } : {}) });
