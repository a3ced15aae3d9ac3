// Checks the Promela model of renewOnce (model/renew-once.pml) exhaustively with spin: every property
// on the model must hold, every mutant must be caught, every known limit must show its counterexample
// (docs/refresh-protocol.md says what each check proves). Each check is `spin -a` with its -D switches,
// gcc, and ./pan in a directory of its own under the system's temporary folder (pan writes trail files
// there). Prints one line per check, writes reports/model-check.json, and exits 1 if any check did not
// end as expected. `node scripts/model-check.mjs [--jobs N] [--keep] [--all]`: N checks at a time
// (default 2); --keep leaves the temporary folder for `./pan -r` replays; --all adds the slow checks
// (liveness without timeouts, end states and liveness with stalls).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const MODEL = path.join(root, 'model', 'renew-once.pml');
const REPORT = path.join(root, 'reports', 'model-check.json');
/** pan -m: far above the deepest path of any check (about 300 steps); a truncated search fails its check. */
const DEPTH = 10_000;
/** pan's memory bound, MB (-DMEMLIM): a search that reaches it is incomplete, and fails its check. */
const MEMLIM_MB = 4096;

/** A holder may stall past its lease (or crash) anywhere while it holds the lock. */
const STALLS = ['STALL_BEFORE_GRANT', 'LOSE_AFTER_GRANT'];

const check = (kind, claim, defines, expect, mode = 'safety') => ({ kind, claim, defines, mode, expect });
/** A property of the protocol: must hold. `claim: null` is a run without a claim: no invalid end state. */
const holds = (claim, defines = [], mode = 'safety') => check('property', claim, defines, 'holds', mode);
/** What the model shows about conflicts and afterConflict: must hold. */
const finding = (claim, defines) => check('finding', claim, defines, 'holds');
/** A reachability witness (what a claim rules out elsewhere can happen here): spin must find the run. */
const witness = (claim, defines) => check('witness', claim, defines, 'violated');
/** A known limit: in this environment, spin must find the counterexample. */
const limit = (claim, defines, mode = 'safety') => check('limit', claim, defines, 'violated', mode);
/** A mistake in the code: spin must find the counterexample where the correct model holds the claim. */
const mutant = (name, claim, environment = []) => ({
  ...check('mutant', claim, [...environment, name], 'violated'),
  mutant: name,
});
/** The code before a change the model led to: spin must find the counterexample the change removed. */
const previous = (name, claim, environment = [], mode = 'safety') => ({
  ...check('previous', claim, [...environment, name], 'violated', mode),
  variant: name,
});

/** Every check, in the order printed; `slow` ones run only with --all. */
const CHECKS = [
  // The environment of the assumption: a live holder keeps its lease from the lock to its write.
  holds('one_grant_per_version'),
  holds('no_rotated_out_use'),
  holds('store_keeps_current'),
  holds(null),
  holds('every_caller_ends', [], 'liveness'),
  { ...holds('every_caller_ends', ['UNBOUNDED_WAITS'], 'liveness'), slow: true },
  // Holders may stall past their lease anywhere: late writes happen, and the version alone judges them.
  witness('late_write_happens', STALLS),
  holds('store_keeps_current', ['STALL_BEFORE_GRANT']),
  holds('store_keeps_current_unless_grant_lost', STALLS),
  finding('no_write_conflict', STALLS),
  { ...holds('one_write_per_version', STALLS), slow: true },
  { ...holds(null, STALLS), slow: true },
  { ...holds('every_caller_ends', STALLS, 'liveness'), slow: true },
  { ...holds('every_caller_ends', [...STALLS, 'UNBOUNDED_WAITS'], 'liveness'), slow: true },
  // A new sign-in writes meanwhile, outside the lock.
  holds('sign_in_kept', ['SIGN_IN']),
  holds('no_write_over_newer', ['SIGN_IN']),
  holds('one_write_per_version', ['SIGN_IN']),
  witness('after_conflict_never_adopts', ['SIGN_IN']),
  // The known limit: the IdP cannot be fenced.
  limit('no_rotated_out_use', ['LOSE_AFTER_GRANT']),
  limit('no_rotated_out_use', ['STALL_BEFORE_GRANT']),
  limit('store_keeps_current', ['LOSE_AFTER_GRANT']),
  // The mistakes.
  mutant('RELEASE_WITHOUT_COMPARE', 'one_grant_per_version'),
  mutant('NO_REREAD', 'no_rotated_out_use'),
  mutant('NO_CAS', 'sign_in_kept', ['SIGN_IN']),
  mutant('NO_CAS', 'no_write_over_newer', ['SIGN_IN']),
  // The previous code: the store also refused a write by its fence (docs/refresh-protocol.md section 7).
  previous('FENCED_WRITE', 'store_keeps_current', ['STALL_BEFORE_GRANT']),
  previous('FENCED_WRITE', 'every_caller_ends', [...STALLS, 'UNBOUNDED_WAITS'], 'liveness'),
];

/** gcc's switches for pan, per kind of run. */
const PAN_BUILD = {
  safety: ['-DSAFETY'],
  deadlock: ['-DSAFETY', '-DNOCLAIM'],
  liveness: ['-DNFAIR=3'],
};

/** Runs `command` in `cwd`; resolves with its exit code and output (stdout and stderr together). */
function run(command, args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', (error) => resolve({ code: -1, output: `${output}${error.message}` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Fails with a clear message when a tool is missing. */
function requireTool(command, args, install) {
  const probe = spawnSync(command, args, { encoding: 'utf8' });
  if (probe.error) {
    console.error(`${command} is not installed: ${install}`);
    writeReport({ ok: false, error: `${command} is not installed: ${install}`, checks: [] });
    process.exit(1);
  }
  return `${probe.stdout}${probe.stderr}`.trim();
}

function writeReport(report) {
  mkdirSync(path.dirname(REPORT), { recursive: true });
  writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
}

const modeOf = (check) => (check.claim === null ? 'deadlock' : check.mode);

const buildKey = (defines, mode) => `${mode}:${defines.join(',')}`;

/**
 * Compiles pan for `defines` and a kind of run, once per pair, in a directory of its own: optimized (-O1)
 * when one of `checks` searches the whole state space with it, else quick to compile (-O0: its runs stop
 * at the first counterexample).
 */
function builder(work, checks) {
  const whole = new Set(checks.filter((c) => c.expect === 'holds').map((c) => buildKey(c.defines, modeOf(c))));
  const builds = new Map();
  return (defines, mode) => {
    const key = buildKey(defines, mode);
    const optimize = whole.has(key) ? '-O1' : '-O0';
    if (!builds.has(key)) builds.set(key, build(path.join(work, `build-${builds.size}`), defines, mode, optimize));
    return builds.get(key);
  };
}

async function build(dir, defines, mode, optimize) {
  mkdirSync(dir, { recursive: true });
  copyFileSync(MODEL, path.join(dir, 'renew-once.pml'));
  const spinArgs = ['-a', ...defines.map((d) => `-D${d}`), 'renew-once.pml'];
  const gccArgs = [optimize, '-w', `-DMEMLIM=${MEMLIM_MB}`, ...PAN_BUILD[mode], '-o', 'pan', 'pan.c'];
  const spin = await run('spin', spinArgs, dir);
  if (spin.code !== 0) return { dir, error: `spin -a failed:\n${spin.output}` };
  const gcc = await run('gcc', gccArgs, dir);
  if (gcc.code !== 0) return { dir, error: `gcc failed:\n${gcc.output}` };
  return { dir, commands: [`spin ${spinArgs.join(' ')}`, `gcc ${gccArgs.join(' ')}`] };
}

/** What pan said: its counts, and whether the search was complete. */
function parsePan(output) {
  const number = (pattern) => {
    const match = output.match(pattern);
    return match ? Number(match[1]) : null;
  };
  return {
    errors: number(/errors: (\d+)/),
    states: number(/(\d+) states, stored/),
    transitions: number(/(\d+) transitions \(=/),
    depth: number(/depth reached (\d+)/),
    stateVectorBytes: number(/State-vector (\d+) byte/),
    memoryMb: number(/([\d.]+)\s+total actual memory usage/),
    searchSeconds: number(/pan: elapsed time ([\d.e+]+) seconds/),
    violation: output.match(/pan:1: (.*)/)?.[1].trim() ?? null,
    complete:
      /Full statespace search/.test(output) &&
      !/max search depth too small|Search not completed|out of memory|MEMLIM/i.test(output),
  };
}

/** The printed events of pan's counterexample trail (the model's printf lines). */
async function counterexample(dir, panArgs) {
  const replay = await run('./pan', ['-r', '-S', ...panArgs], dir);
  const lines = replay.output.split('\n');
  const end = lines.findIndex((line) => /^pan:1:|^spin: trail ends/.test(line));
  return lines
    .slice(0, end === -1 ? lines.length : end)
    .filter((line) => line.trim() && !/^(pan: ltl formula|MSC:|ltl )/.test(line));
}

/** Builds (or reuses) pan and runs one check in a directory of its own; resolves with its record. */
async function runCheck(check, index, work, buildFor) {
  const started = performance.now();
  const mode = modeOf(check);
  const built = await buildFor(check.defines, mode);
  const record = { ...check, mode, claim: check.claim ?? 'no invalid end state (no claim)' };
  if (built.error) return { ...record, result: 'error', ok: false, detail: built.error };
  const dir = path.join(work, `check-${index}`);
  mkdirSync(dir);
  copyFileSync(path.join(built.dir, 'pan'), path.join(dir, 'pan'));
  const claimArgs = check.claim ? ['-N', check.claim] : [];
  const panArgs = [`-m${DEPTH}`, ...(mode === 'liveness' ? ['-a', '-f'] : []), ...claimArgs];
  const pan = await run('./pan', panArgs, dir);
  const found = parsePan(pan.output);
  const result =
    found.errors === null ? 'error' : found.errors > 0 ? 'violated' : found.complete ? 'holds' : 'incomplete';
  const trail = result === 'violated' ? await counterexample(dir, claimArgs) : [];
  return {
    ...record,
    result,
    ok: result === check.expect,
    ...found,
    wallSeconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    commands: [...built.commands, `./pan ${panArgs.join(' ')}`],
    counterexample: trail,
    ...(result === 'error' || result === 'incomplete' ? { detail: pan.output.slice(-2000) } : {}),
  };
}

/** One line: what the check proves, and spin's numbers. */
function lineOf(r) {
  const environment = r.defines.filter((d) => d !== r.mutant && d !== r.variant);
  const where = environment.length ? `on model with ${environment.join(' ')}` : 'on model';
  const what = {
    property: `${r.claim} ${where}`,
    finding: `${r.claim} ${where}`,
    witness: `witness ${r.claim} ${r.ok ? 'reached' : 'not reached'} ${where}`,
    limit: `limit ${environment.join(' ')} ${r.ok ? 'breaks' : 'does not break'} ${r.claim}`,
    mutant: `mutant ${r.mutant} ${r.ok ? 'caught' : 'not caught'}: ${r.claim}${environment.length ? ` (with ${environment.join(' ')})` : ''}`,
    previous: `previous code ${r.variant} ${r.ok ? 'caught' : 'not caught'}: ${r.claim}${environment.length ? ` (with ${environment.join(' ')})` : ''}`,
  }[r.kind];
  const states = r.states === null ? '' : `${r.states.toLocaleString('en-US')} states`;
  const steps = r.violation?.match(/at depth (\d+)/)?.[1];
  const depth = steps ? `counterexample at depth ${steps}` : r.depth === null ? '' : `depth ${r.depth}`;
  const numbers = [states, depth, `${r.searchSeconds ?? '?'} s`];
  const got = r.ok ? '' : ` -- expected ${r.expect}, got ${r.result}${r.violation ? ` (${r.violation})` : ''}`;
  return `${r.ok ? 'ok ' : 'FAIL'} ${what} (${numbers.filter(Boolean).join(', ')})${got}`;
}

/** Runs `tasks` (functions returning promises) at most `jobs` at a time; the promises in task order. */
function pool(tasks, jobs) {
  const results = tasks.map(() => {
    let settle;
    const promise = new Promise((resolve) => {
      settle = resolve;
    });
    return { promise, settle };
  });
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i].settle(await tasks[i]());
    }
  };
  for (let w = 0; w < jobs; w++) void worker();
  return results.map((r) => r.promise);
}

async function main() {
  const args = process.argv.slice(2);
  const jobsAt = args.indexOf('--jobs');
  const jobs = jobsAt === -1 ? Math.min(2, availableParallelism()) : Math.max(1, Number(args[jobsAt + 1]) || 1);
  const spinVersion = requireTool('spin', ['-V'], 'apt-get install spin');
  requireTool('gcc', ['--version'], 'apt-get install gcc');
  const started = performance.now();
  const work = mkdtempSync(path.join(tmpdir(), 'model-check-'));
  const selected = CHECKS.filter((check) => !check.slow || args.includes('--all'));
  const buildFor = builder(work, selected);
  const pending = pool(
    selected.map((check, i) => () => runCheck(check, i, work, buildFor)),
    jobs,
  );
  const checks = [];
  for (const promise of pending) {
    const record = await promise;
    checks.push(record);
    console.log(lineOf(record));
    if (record.detail) console.log(record.detail);
  }
  const ok = checks.every((c) => c.ok);
  const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  writeReport({ model: 'model/renew-once.pml', spin: spinVersion, ok, seconds, jobs, checks });
  const passed = checks.filter((c) => c.ok).length;
  console.log(`${passed}/${checks.length} checks as expected in ${seconds} s; report: reports/model-check.json`);
  if (args.includes('--keep') || !ok) console.log(`pan's directories (trails): ${work}`);
  else rmSync(work, { recursive: true, force: true });
  process.exit(ok ? 0 : 1);
}

await main();
