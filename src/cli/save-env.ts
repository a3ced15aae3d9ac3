/**
 * `login --save-env`: writes where the sign-in went to the `.env` the Cognite Toolkit reads (`PROVIDER`,
 * `LOGIN_FLOW`, `CDF_CLUSTER` or `CDF_URL`, `CDF_PROJECT`, and this tool's `CDF_ORG`), as the Toolkit
 * does after a Cognite IdP sign-in. Every other line stays as it was; no secret is ever written.
 */
import { readFile, stat } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { type Settings, TOOLKIT_LOGIN_FLOWS, TOOLKIT_PROVIDERS } from '../config/settings.js';
import { type CommandContext, text } from './context.js';
import { UsageError } from './exit-codes.js';

/** The variables to write for a sign-in at `where`. */
export function envOf(settings: Settings, where: { baseUrl: string; project: string }): Record<string, string> {
  const provider = settings.provider?.value;
  const flow = settings.flow?.value ?? 'authorization-code';
  const host = new URL(where.baseUrl).host;
  const cluster = /^([a-z0-9-]+)\.cognitedata\.com$/.exec(host)?.[1];
  const out: Record<string, string> = {};
  const theirs = provider ? TOOLKIT_PROVIDERS[provider] : undefined;
  if (theirs) out.PROVIDER = theirs;
  // A Cognite IdP person's login is the Toolkit's session login; other flows keep their names.
  const loginFlow = provider === 'cogidp' && flow === 'authorization-code' ? 'session' : TOOLKIT_LOGIN_FLOWS[flow];
  if (loginFlow) out.LOGIN_FLOW = loginFlow;
  if (cluster) out.CDF_CLUSTER = cluster;
  else out.CDF_URL = new URL(where.baseUrl).origin;
  if (where.project) out.CDF_PROJECT = where.project;
  if (settings.org) out.CDF_ORG = settings.org.value;
  return out;
}

/** Replaces or appends `KEY=value` lines in an env file's text; other lines (comments, secrets) stay. */
export function mergeEnv(text: string, values: Readonly<Record<string, string>>): string {
  const left = new Map(Object.entries(values));
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const merged = lines.map((line) => {
    const match = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    const key = match?.[2];
    if (!key || !left.has(key)) return line;
    const value = left.get(key);
    left.delete(key);
    return `${match?.[1] ?? ''}${key}=${value}`;
  });
  for (const [key, value] of left) merged.push(`${key}=${value}`);
  return `${merged.join('\n')}\n`;
}

/** Writes the sign-in's variables into `--env-file` (or `./.env`), atomically, keeping its mode (0600 when new). */
export async function saveEnv(
  ctx: CommandContext,
  settings: Settings,
  where: { baseUrl: string; project: string },
): Promise<void> {
  const file = text(ctx, 'env-file') ?? '.env';
  let before = '';
  let mode = 0o600;
  try {
    [before, mode] = await Promise.all([readFile(file, 'utf8'), stat(file).then((s) => s.mode & 0o777)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new UsageError(`${file} cannot be read: it was not changed.`);
  }
  const values = envOf(settings, where);
  await writeFileAtomic(file, mergeEnv(before, values), { mode });
  ctx.err(`Wrote ${Object.keys(values).join(', ')} to ${file}.\n`);
}
