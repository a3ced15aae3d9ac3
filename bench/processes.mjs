// Whole-process figures for npm run bench: what a person or a script waits for when a new node process
// starts (an import, `$(cdf-auth token)`, `cdf-auth --help`), each against a baseline process spawned
// alternately with it, wall time from spawn to exit.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../dist/src/emulator/index.js';
import { CLI, cachedLogin } from './cli-login.mjs';
import { alternate, row, runDirectly, show, table } from './measure.mjs';

const root = path.resolve(import.meta.dirname, '..');
const dist = (file) => path.join(root, 'dist/src', file);

/**
 * Runs `node ...args` once; its wall time (ms) from spawn to exit and its output. Throws when it does
 * not exit with 0, so a broken command never passes for a fast one. `quiet` keeps stdout (a token)
 * out of the error.
 */
function node(args, { env = process.env, quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let end;
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    // Killed past 60 s: a hung child would otherwise hang the whole bench.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    // The clock stops at exit; 'close' follows once the pipes are drained, so the output is whole.
    child.on('exit', () => {
      end = process.hrtime.bigint();
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code !== 0) {
        const what = quiet ? args.slice(1).join(' ') : args.join(' ');
        return reject(new Error(`node ${what} exited with ${code ?? signal}: ${stderr.trim().slice(0, 500)}`));
      }
      resolve({ ms: Number((end ?? process.hrtime.bigint()) - start) / 1e6, stdout });
    });
  });
}

const importer = (...files) => [
  '--input-type=module',
  '-e',
  files.map((f) => `await import(${JSON.stringify(f)});`).join(''),
];
const ms = async (args, options) => (await node(args, options)).ms;
const nodeAlone = () => ms(['-e', '']);
const fmt = (s) => `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;

/** A person's login cached in a fresh home, the emulator closed once it is made. */
async function freshLogin() {
  const emulator = await startEmulator();
  try {
    return await cachedLogin(emulator);
  } finally {
    // Closed before measuring: a fresh token is printed from the cache alone (checked: `token` exits 0
    // with the emulator gone), and the emulator's event loop would otherwise share this process.
    await emulator.close();
  }
}

/** The rows of the whole-process figures; `rounds` A B rounds each. */
export async function processRows({ rounds = 15 } = {}) {
  const rows = [];
  const openidClient = fileURLToPath(import.meta.resolve('openid-client'));
  const ours = importer(dist('node.js'));
  const peer = importer(openidClient);
  const { env, home } = await freshLogin();
  const token = async (...flags) => {
    const { ms, stdout } = await node([CLI, 'token', ...flags], { env, quiet: true });
    if (stdout.trim() === '') throw new Error('cdf-auth token printed nothing');
    return ms;
  };
  try {
    // One untimed run of each first: the first spawn of a file pays for the disk, not for the code.
    for (const args of [['-e', ''], ours, peer, [CLI, '--help']]) await node(args);
    await token();
    await token('--header');

    // 1. Cold import against openid-client; node alone, run in the same rounds, is the floor of both.
    const floor = [];
    const imports = await alternate(
      rounds,
      async () => {
        floor.push(await nodeAlone());
        return ms(peer);
      },
      () => ms(ours),
    );
    const floorMedian = [...floor].sort((a, b) => a - b)[Math.floor(floor.length / 2)];
    rows.push(
      row({
        what: 'cold import of `cdf-authflow/node` in a new process, against openid-client 6',
        baseline: `openid-client ${fmt(imports.a)}`,
        measured: `cdf-authflow/node ${fmt(imports.b)} (node alone ${floorMedian.toFixed(0)} ms)`,
        ratio: imports.ratio,
        target: 1.5,
      }),
    );

    // 2. `$(cdf-auth token)` on a fresh cached token, and the same token through the full CLI (a flag
    // such as --header leaves it to the full CLI): what answering before the CLI loads saves.
    const tokens = await alternate(rounds, nodeAlone, () => token());
    const full = await alternate(rounds, nodeAlone, () => token('--header'));
    rows.push(
      row({
        what: '`cdf-auth token` on a cached fresh token (a new process per call, as in `$(cdf-auth token)`)',
        baseline: `node -e '' ${fmt(tokens.a)}`,
        measured: `${fmt(tokens.b)}; the same token through the full CLI (\`token --header\`): ${fmt(full.b)}, ${show(full.ratio, '×', 2)} node alone`,
        ratio: tokens.ratio,
        target: 1.3,
      }),
    );

    // 3. `cdf-auth --help`, for context: the CLI's floor.
    const help = await alternate(rounds, nodeAlone, () => ms([CLI, '--help']));
    rows.push(
      row({
        what: '`cdf-auth --help` (for context)',
        baseline: `node -e '' ${fmt(help.a)}`,
        measured: fmt(help.b),
        ratio: help.ratio,
      }),
    );
  } finally {
    await rm(home, { recursive: true, force: true });
  }
  return rows;
}

if (runDirectly(import.meta.url)) {
  const start = process.hrtime.bigint();
  const rows = await processRows();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `${table(rows)}\n\n${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}; took ${seconds.toFixed(0)} s`,
  );
}
