/**
 * The head of a CLI end-to-end file in one call: a fresh token-cache folder per test, `cdf-auth` run in this
 * process with its cache there, and (with {@link emulatorCli}) one emulator for the whole file.
 */
import { afterAll, beforeEach } from 'vitest';
import { type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import { cliShorthands, emulatorLogins, runCli } from './cli.js';
import { eachFreshHome, resetEmulator } from './lifecycle.js';

/** How a file's CLI runs are set up. */
interface CliSuiteOptions {
  /** The start of each fresh folder's name. */
  readonly prefix: string;
  /** Also set $CDF_AUTHFLOW_HOME to the folder, as a person's shell would. @default false */
  readonly homeInEnv?: boolean;
}

/**
 * Before each test a new empty folder (`home()`), removed after it; `cli(args, env)` runs `cdf-auth` with its
 * token cache there and answers its exit code and what it printed.
 */
export function freshHomeCli({ prefix, homeInEnv = false }: CliSuiteOptions) {
  let dir = '';
  eachFreshHome(prefix, (fresh) => {
    dir = fresh;
  });
  const home = () => dir;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCli(dir, args, homeInEnv ? { CDF_AUTHFLOW_HOME: dir, ...env } : env);
  return { home, cli };
}

/**
 * {@link freshHomeCli} beside one emulator started for the file (with `emulator` options) and closed after
 * it; `reset` puts it back before each test (alice approves, no faults). Answers the emulator, `home()`,
 * `cli` and the shorthands of {@link cliShorthands} and {@link emulatorLogins}.
 */
export async function emulatorCli(
  options: CliSuiteOptions & { readonly emulator?: EmulatorOptions; readonly reset?: boolean },
) {
  const emulator = await startEmulator(options.emulator);
  afterAll(() => emulator.close());
  if (options.reset) beforeEach(() => resetEmulator(emulator));
  const { home, cli } = freshHomeCli(options);
  return { emulator, home, ...cliShorthands(emulator, home, cli), ...emulatorLogins(emulator) };
}
