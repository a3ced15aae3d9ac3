/**
 * Named profiles: the settings of a sign-in (cluster, project, IdP, client id, the *name* of the secret's
 * variable), saved without any secret in `profiles.json` in the config directory, so that
 * `cdf-auth login --profile prod` and `--profile prod` on every other command mean the same sign-in.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FORMER_FLOW_NAMES, type ProfileSettings, type Settings } from '../config/settings.js';
import { defaultCacheDir } from '../stores/file-token-store.js';
import type { CommandContext } from './context.js';
import { UsageError } from './exit-codes.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const fileOf = (ctx: CommandContext) => path.join(defaultCacheDir(ctx.env as NodeJS.ProcessEnv), 'profiles.json');

/** Every saved profile. An unreadable file is a usage error that names it, never a silent reset. */
export async function readProfiles(ctx: CommandContext): Promise<Record<string, ProfileSettings>> {
  let text: string;
  try {
    text = await readFile(fileOf(ctx), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`The profiles file ${fileOf(ctx)} cannot be read.`);
  }
  try {
    const parsed = JSON.parse(text) as { v?: unknown; profiles?: unknown };
    if (parsed.v !== 1 || typeof parsed.profiles !== 'object' || parsed.profiles === null) throw new Error('shape');
    return withFlowNames(parsed.profiles as Record<string, ProfileSettings>);
  } catch {
    throw new UsageError(`The profiles file ${fileOf(ctx)} is not one cdf-auth wrote; fix or delete it.`);
  }
}

/** The profiles with the flow an earlier version saved (`code`, `device`) by its name now. */
function withFlowNames(profiles: Record<string, ProfileSettings>): Record<string, ProfileSettings> {
  return Object.fromEntries(
    Object.entries(profiles).map(([name, settings]) => {
      const flow = settings?.flow;
      const renamed = flow && Object.hasOwn(FORMER_FLOW_NAMES, flow) ? FORMER_FLOW_NAMES[flow] : undefined;
      return [name, renamed ? { ...settings, flow: renamed } : settings];
    }),
  );
}

/** One saved profile; a name that was never saved is a usage error. */
export async function readProfile(ctx: CommandContext, name: string): Promise<ProfileSettings> {
  if (!NAME.test(name)) throw new UsageError('--profile takes a name of letters, digits, ".", "_" and "-".');
  const profiles = await readProfiles(ctx);
  const found = Object.hasOwn(profiles, name) ? profiles[name] : undefined;
  if (!found) throw new UsageError(`No profile "${name}"; "cdf-auth login --profile ${name} ..." saves one.`);
  return found;
}

/** The settings worth saving: values and names only (the secret stays in its variable). */
export function savable(settings: Settings): ProfileSettings {
  const out: Record<string, string> = {};
  for (const [key, sourced] of Object.entries(settings)) out[key] = String((sourced as { value: unknown }).value);
  return out;
}

/** Saves (or replaces) a profile, atomically, mode 0600. */
export async function saveProfile(ctx: CommandContext, name: string, settings: ProfileSettings): Promise<void> {
  if (!NAME.test(name)) throw new UsageError('--profile takes a name of letters, digits, ".", "_" and "-".');
  const profiles = await readProfiles(ctx).catch(() => ({}));
  const file = fileOf(ctx);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ v: 1, profiles: { ...profiles, [name]: settings } }, null, 2)}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  await rename(temporary, file);
}
