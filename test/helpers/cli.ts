import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main.js';
import { createFileTokenStore } from '../../src/stores/file-token-store.js';

/** Runs `cdf-auth` in this process with a token cache in `home`, and collects what it printed. */
export async function runCli(home: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const code = await main(args, {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    env: { ...env },
    store: createFileTokenStore(home),
  });
  return { code, out, err };
}

/** The arguments of `cdf-auth login --flow login-url` signing in headless to `project` at `baseUrl`. */
export function loginUrlArgs(baseUrl: string, project = 'demo', ...extra: string[]): string[] {
  return ['login', '--flow', 'login-url', '--base-url', baseUrl, '--project', project, '--headless', ...extra];
}

/** `--base-url`, `--issuer` and `--client-id` of the emulator and a client (its public CLI client by default). */
export function emulatorOidcArgs(
  emulator: { readonly baseUrl: string; readonly issuer: string; readonly clients: { readonly cli: string } },
  clientId = emulator.clients.cli,
): string[] {
  return ['--base-url', emulator.baseUrl, '--issuer', emulator.issuer, '--client-id', clientId];
}

/** The built `cdf-auth` binary (`npm test` builds it first). */
export const CLI_BIN = path.resolve(import.meta.dirname, '../../dist/src/cli/bin.js');

const execFileAsync = promisify(execFile);

/** Runs the built binary as its own process, with its token cache in `home`; rejects on a non-zero exit. */
export function runBin(home: string, args: string[]) {
  return execFileAsync(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, CDF_AUTHFLOW_HOME: home } });
}

/** Starts the built binary as its own process; `exit` settles with what it printed once it ends. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exit = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, out, err })),
  );
  return { child, exit };
}
