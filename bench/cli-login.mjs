// The CLI as the bench runs it, for bench/processes.mjs and bench/session.mjs: the executable package.json's
// bin names (the quick token answer, else the full CLI), and a person's login cached in a fresh home.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const CLI = path.resolve(import.meta.dirname, '../dist/src/cli/cdf-auth.cjs');

/**
 * Signs in as a person would, `cdf-auth login` with code + PKCE (headless) against `emulator`, cached in
 * a new temporary home; resolves with the home and the environment that names it.
 */
export async function cachedLogin(emulator) {
  const home = await mkdtemp(path.join(os.tmpdir(), 'cdf-auth-bench-'));
  const env = { ...process.env, CDF_AUTHFLOW_HOME: home };
  const login = ['login', '--flow', 'authorization-code', '--base-url', emulator.baseUrl, '--issuer', emulator.issuer];
  await promisify(execFile)(process.execPath, [CLI, ...login, '--client-id', emulator.clients.cli, '--headless'], {
    env,
  });
  return { home, env };
}
