import { execFile, spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main.js';
import type { Emulator } from '../../src/emulator/index.js';
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

/** `cdf-auth login` at an Entra ID emulator: its cluster, `--provider entra` and its authority, then `flags`. */
export function entraLoginArgs(entra: Emulator, ...flags: string[]): string[] {
  return ['login', '--base-url', entra.baseUrl, '--provider', 'entra', '--authority', entra.idpOrigin, ...flags];
}

/**
 * What the CLI end-to-end files say in one word: `cdf-auth` run with its token cache in `home()` (a fresh
 * folder per test; `cli` runs it, by default with no variables set), the sign-ins at `emulator`, and the
 * cache file a test reads or damages.
 */
export function cliShorthands(
  emulator: Emulator,
  home: () => string,
  cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(home(), args, env),
) {
  const loginUrl = (extra: string[] = []) => cli(loginUrlArgs(emulator.baseUrl, 'demo', ...extra));
  /** `cdf-auth login` against the emulator's IdP with its public CLI client; `flow` null leaves --flow out. */
  const oidcLogin = (flow: string | null, extra: string[]) =>
    cli(['login', ...(flow ? ['--flow', flow] : []), ...emulatorOidcArgs(emulator), ...extra]);
  const codeLogin = (extra: string[] = []) => oidcLogin('authorization-code', ['--headless', ...extra]);
  const tokenFile = async () =>
    path.join(home(), (await readdir(home())).find((f) => f.startsWith('tokens-')) ?? 'none');
  /** Makes the cached login's access token expired; answers the entry as it was. */
  const expireCache = async () => {
    const file = await tokenFile();
    const entry = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...entry, tokens: { ...entry.tokens, expiresAt: Date.now() - 1 } }), {
      mode: 0o600,
    });
    return entry;
  };
  return { cli, loginUrl, oidcLogin, codeLogin, tokenFile, expireCache };
}

/**
 * The `cdf-auth login` arguments of the two kinds of sign-in at `emulator`: a service (client
 * credentials, with its `secret()` in the environment) and a person, with no flow named (the CLI chooses).
 */
export function emulatorLogins(emulator: Emulator) {
  const service = () => [
    'login',
    '--base-url',
    emulator.baseUrl,
    '--project',
    'demo',
    '--issuer',
    emulator.issuer,
    '--client-id',
    emulator.clients.service.id,
  ];
  const secret = () => ({ IDP_CLIENT_SECRET: emulator.clients.service.secret });
  /** A person's login at the emulator, with no flow named: the CLI chooses. */
  const person = () => [
    'login',
    '--base-url',
    emulator.baseUrl,
    '--issuer',
    emulator.issuer,
    '--client-id',
    emulator.clients.cli,
  ];
  return { service, secret, person };
}

/** The built `cdf-auth` executable, as package.json's `bin` names it (`npm test` builds it first). */
export const CLI_BIN = path.resolve(import.meta.dirname, '../../dist/src/cli/cdf-auth.cjs');

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
