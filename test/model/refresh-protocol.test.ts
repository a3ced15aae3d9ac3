/**
 * The refresh protocol (renewOnce) checked exhaustively with spin: runs `node scripts/model-check.mjs` (what
 * `npm run model-check` runs) and reads its report. Without spin the script exits 1 and these tests fail:
 * the model is part of the proof, not an optional extra. docs/refresh-protocol.md explains every check.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const reportPath = path.join(root, 'reports', 'model-check.json');

/** One check of reports/model-check.json. */
interface Check {
  readonly kind: 'property' | 'witness' | 'limit' | 'finding' | 'mutant' | 'previous';
  readonly mutant?: string;
  readonly variant?: string;
  readonly claim: string;
  readonly defines: readonly string[];
  readonly expect: 'holds' | 'violated';
  readonly result: 'holds' | 'violated' | 'incomplete' | 'error';
  readonly ok: boolean;
  readonly complete: boolean;
  readonly states: number | null;
  readonly counterexample: readonly string[];
}

let exit: { readonly code: number | null; readonly output: string };
let checks: readonly Check[] = [];

/** Runs the script as `npm run model-check` does; resolves with its exit code and output. */
const modelCheck = () =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ['scripts/model-check.mjs'], { cwd: root });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', (error) => resolve({ code: null, output: `${output}${error.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });

beforeAll(async () => {
  rmSync(reportPath, { force: true });
  exit = await modelCheck();
  checks = (JSON.parse(readFileSync(reportPath, 'utf8')) as { checks: Check[] }).checks;
}, 300_000);

/** The check of `claim` in the environment `defines` (the -D switches), of the given kind. */
const check = (kind: Check['kind'], claim: string, defines: readonly string[] = []) => {
  const found = checks.find((c) => c.kind === kind && c.claim === claim && same(c.defines, defines));
  expect(found, `no ${kind} check of ${claim} with [${defines.join(' ')}] in the report`).toBeDefined();
  return found!;
};
const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((d, i) => d === b[i]);

const STALLS = ['STALL_BEFORE_GRANT', 'LOSE_AFTER_GRANT'];
const DEADLOCK = 'no invalid end state (no claim)';

/** The check held after a complete, exhaustive search. */
const expectHolds = (c: Check) => {
  expect(c.result, `${c.claim} [${c.defines.join(' ')}]`).toBe('holds');
  expect(c.complete).toBe(true);
  expect(c.states).toBeGreaterThan(0);
};

/** spin found a counterexample, and the report holds its events. */
const expectViolated = (c: Check) => {
  expect(c.result, `${c.claim} [${c.defines.join(' ')}]`).toBe('violated');
  expect(c.counterexample.length).toBeGreaterThan(0);
};

describe('the refresh protocol, checked exhaustively with spin (model/renew-once.pml)', () => {
  it('npm run model-check exits 0: spin is installed and every check ended as expected', () => {
    expect(exit.code, exit.output).toBe(0);
    expect(checks.length).toBeGreaterThanOrEqual(22);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('one refresh grant per stored version, no rotated-out refresh token sent, the current one kept, no deadlock', () => {
    expectHolds(check('property', 'one_grant_per_version'));
    expectHolds(check('property', 'no_rotated_out_use'));
    expectHolds(check('property', 'store_keeps_current'));
    expectHolds(check('property', DEADLOCK));
  });

  it('every caller ends with a token or a typed failure', () => {
    expectHolds(check('property', 'every_caller_ends'));
  });

  it('a holder that stalled past its lease writes late, and the store keeps its renewal: no write meets a conflict', () => {
    expectViolated(check('witness', 'late_write_happens', STALLS));
    expectHolds(check('finding', 'no_write_conflict', STALLS));
    expectHolds(check('property', 'store_keeps_current', ['STALL_BEFORE_GRANT']));
    expectHolds(check('property', 'store_keeps_current_unless_grant_lost', STALLS));
  });

  it('a write never replaces a newer one, at most one write is accepted per version, and a new sign-in stays', () => {
    expectHolds(check('property', 'no_write_over_newer', ['SIGN_IN']));
    expectHolds(check('property', 'one_write_per_version', ['SIGN_IN']));
    expectHolds(check('property', 'sign_in_kept', ['SIGN_IN']));
  });

  it('each mistake is caught: release without compare, renewal without re-read, a store that ignores the version', () => {
    const caught = (mutant: string, claim: string, environment: readonly string[] = []) => {
      const c = check('mutant', claim, [...environment, mutant]);
      expect(c.mutant).toBe(mutant);
      expectViolated(c);
    };
    caught('RELEASE_WITHOUT_COMPARE', 'one_grant_per_version');
    caught('NO_REREAD', 'no_rotated_out_use');
    caught('NO_CAS', 'sign_in_kept', ['SIGN_IN']);
    caught('NO_CAS', 'no_write_over_newer', ['SIGN_IN']);
  });

  it('the previous code, whose store also refused a write by its fence, loses the current refresh token and, without waitMs, waits for ever', () => {
    const caught = (claim: string, environment: readonly string[]) => {
      const c = check('previous', claim, [...environment, 'FENCED_WRITE']);
      expect(c.variant).toBe('FENCED_WRITE');
      expectViolated(c);
    };
    caught('store_keeps_current', ['STALL_BEFORE_GRANT']);
    caught('every_caller_ends', [...STALLS, 'UNBOUNDED_WAITS']);
  });

  it('the known limit: a holder lost after its grant, or stalled past its lease before it, lets a rotated-out token reach the IdP; a crash after the grant loses the current one', () => {
    expectViolated(check('limit', 'no_rotated_out_use', ['LOSE_AFTER_GRANT']));
    expectViolated(check('limit', 'no_rotated_out_use', ['STALL_BEFORE_GRANT']));
    expectViolated(check('limit', 'store_keeps_current', ['LOSE_AFTER_GRANT']));
  });

  it('afterConflict runs only after a writer outside the lock wrote, and then adopts its credential', () => {
    expectViolated(check('witness', 'after_conflict_never_adopts', ['SIGN_IN']));
  });
});
