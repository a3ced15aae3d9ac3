/** What every command gets, and the few ways commands read their flags. */
import type { TokenStore } from '../stores/file-token-store.js';
import { UsageError } from './exit-codes.js';

/** What every command gets: its parsed flags, where to write, and the environment. */
export interface CommandContext {
  readonly flags: Record<string, string | boolean | readonly string[] | undefined>;
  readonly positionals: readonly string[];
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly store?: TokenStore;
  /** The `--env-file` read (absolute path) and the variables taken from it, not already in the environment. */
  readonly envFile?: { readonly path: string; readonly names: readonly string[] };
}

export const text = (ctx: CommandContext, name: string): string | undefined => {
  const value = ctx.flags[name];
  return typeof value === 'string' ? value : undefined;
};

export const required = (ctx: CommandContext, name: string): string => {
  const value = text(ctx, name);
  if (!value) throw new UsageError(`--${name} is required.`);
  return value;
};

export const seconds = (ctx: CommandContext, name: string): number | undefined => {
  const value = text(ctx, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`--${name} takes a number of seconds.`);
  return number * 1000;
};

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The value of the variable named by `--<flag>`. What was passed is repeated in a message only when it
 * looks like a variable name: a secret pasted in its place must not be echoed to the terminal.
 */
export const fromEnv = (ctx: CommandContext, flag: string): { name: string; value: string } => {
  const name = required(ctx, flag);
  if (!ENV_NAME.test(name)) {
    throw new UsageError(
      `--${flag} takes the name of an environment variable (letters, digits and _), not its value; the value given was not shown.`,
    );
  }
  const value = ctx.env[name];
  if (!value) throw new UsageError(`The variable named by --${flag} (${name}) is not set or is empty.`);
  return { name, value };
};

/** A repeatable `--flag key=value`, as an object; `flagName` names the flag in the usage error. */
export const pairsOf = (ctx: CommandContext, flag: string, flagName: string): Record<string, string> => {
  const raw = ctx.flags[flag];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  const pairs: Record<string, string> = {};
  for (const pair of list as string[]) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${flagName} takes name=value.`);
    pairs[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return pairs;
};
