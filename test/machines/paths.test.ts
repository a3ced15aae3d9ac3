import { describe, expect, it } from 'vitest';
import { isFailureCode } from '../../machines/shared/failure.js';
import { bothWays, graphCoverage } from '../helpers/graph-coverage.js';
import { machinesUnderTest } from './registry.js';

describe('generated paths', () => {
  it.each(machinesUnderTest)('reach every state and take every transition of the $name machine', (m) => {
    const coverage = bothWays(m.machine, m.input as object, m.events);
    expect(coverage.states.reached).toEqual(coverage.states.all);
    expect(coverage.transitions.taken).toEqual(coverage.transitions.all);
    expect(coverage.transitions.all.length).toBeGreaterThan(5);
    expect(coverage.replayed).toBeGreaterThanOrEqual(coverage.states.all.length);
  });

  it.each(machinesUnderTest)(
    'in every reachable snapshot of the $name machine, a failure state carries a typed failure and a final state the matching output (a failure names the state it happened in)',
    (m) => {
      const { snapshots } = graphCoverage(m.machine, m.input, m.events);
      expect(snapshots.length).toBeGreaterThan(5);
      for (const snapshot of snapshots) {
        const failure = (snapshot.context as { failure?: { code?: unknown; message?: unknown } | null }).failure;
        if (m.failureStates.some((state) => snapshot.matches(state))) {
          expect(isFailureCode(failure?.code), JSON.stringify(snapshot.value)).toBe(true);
          expect(typeof failure?.message === 'string' && failure.message.length > 0).toBe(true);
        }
        if (snapshot.status === 'done' && snapshot.output !== undefined) {
          const output = snapshot.output as { status: string; failure?: { state?: unknown } };
          const ending: Record<string, string> = {
            authenticated: 'signedIn',
            failed: 'failed',
            cancelled: 'cancelled',
            loggedOut: 'loggedOut',
          };
          expect(output.status).toBe(ending[snapshot.value as string]);
          // A failed flow says where: one of the machine's own working states.
          if (output.status === 'failed') expect(Object.keys(m.machine.root.states)).toContain(output.failure?.state);
        }
      }
    },
  );
});
