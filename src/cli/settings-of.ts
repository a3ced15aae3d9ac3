/**
 * The settings of a command: its flags, then the environment (with `--env-file FILE`, or `.env` in the
 * working directory with `--dotenv`; variables already set win over the file, as with dotenv), then the
 * saved profile named by `--profile`. `--verbose` prints where each came from.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';
import {
  type ProfileSettings,
  resolveSettings,
  SETTING_FLAGS,
  type Settings,
  SettingsError,
} from '../config/settings.js';
import { type CommandContext, text } from './context.js';
import { UsageError } from './exit-codes.js';
import { readProfile, readProfiles } from './profiles.js';

/**
 * The environment with the variables of `--env-file` (or `--dotenv`) beneath it, and which of them came
 * from the file (its absolute path and the names the environment did not already set).
 */
export async function environmentOf(ctx: CommandContext): Promise<{
  env: Readonly<Record<string, string | undefined>>;
  envFile?: { readonly path: string; readonly names: readonly string[] };
}> {
  const file = text(ctx, 'env-file') ?? (ctx.flags.dotenv === true ? '.env' : undefined);
  if (!file) return { env: ctx.env };
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`The env file ${file} cannot be read.`);
  }
  const fromFile = parseEnv(content);
  const names = Object.keys(fromFile).filter((name) => ctx.env[name] === undefined);
  return { env: { ...fromFile, ...ctx.env }, envFile: { path: path.resolve(file), names } };
}

/**
 * The command's settings (its environment already holds `--env-file`'s variables, see main.ts); a setting that cannot be used is a usage error naming where it came from. `login --profile NAME` may
 * name a profile it is about to save.
 */
export async function settingsOf(
  ctx: CommandContext,
  options: { readonly newProfileAllowed?: boolean } = {},
): Promise<Settings> {
  const env = ctx.env;
  const profileName = text(ctx, 'profile');
  const known = profileName && options.newProfileAllowed ? Object.hasOwn(await readProfiles(ctx), profileName) : true;
  const profile: ProfileSettings | undefined = profileName && known ? await readProfile(ctx, profileName) : undefined;
  try {
    const explicit: Record<string, string> = {};
    for (const [key, flag] of Object.entries(SETTING_FLAGS)) {
      const value = text(ctx, flag.slice(2));
      if (value !== undefined) explicit[key] = value;
    }
    const settings = resolveSettings(
      explicit,
      env,
      profile && profileName ? { name: profileName, settings: profile } : undefined,
    );
    return settings;
  } catch (error) {
    if (error instanceof SettingsError || error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}
