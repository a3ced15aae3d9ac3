/** The set-up the end-to-end files share: a fresh token-cache folder per test, an emulator reset per test. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';

/** Before each test, a new empty folder (named from `prefix`) handed to `take`; removed after the test. */
export function eachFreshHome(prefix: string, take: (dir: string) => void): void {
  beforeEach(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), prefix));
    take(dir);
    return () => rm(dir, { recursive: true, force: true });
  });
}

/** Puts the emulator back as a test expects to find it: alice approves the next sign-in, no faults. */
export function resetEmulator(emulator: Emulator): void {
  emulator.setNextLogin({ approve: 'alice' });
  emulator.clearFaults();
}
