/** `cdf-auth profiles`: the saved profiles and their settings (never a secret: only the names of variables). */
import type { CommandContext } from '../context.js';
import { readProfiles } from '../profiles.js';

export async function profiles(ctx: CommandContext): Promise<void> {
  const saved = await readProfiles(ctx);
  if (ctx.flags.json) {
    ctx.out(`${JSON.stringify(saved)}\n`);
    return;
  }
  const names = Object.keys(saved);
  if (names.length === 0) ctx.out('No profiles; "cdf-auth login --profile NAME ..." saves one.\n');
  for (const name of names) {
    const settings = saved[name] ?? {};
    ctx.out(
      `${name}\n${Object.entries(settings)
        .map(([key, value]) => `  ${key}: ${value}\n`)
        .join('')}`,
    );
  }
}
