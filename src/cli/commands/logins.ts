/** `cdf-auth logins`: list the cached logins. */
import { createFileTokenStore } from '../../stores/file-token-store.js';
import { sameBase } from '../cached-login.js';
import type { CommandContext } from '../context.js';

/** `cdf-auth logins`: every cached login, so that any of them can be named with --base-url/--project. */
export async function logins(ctx: CommandContext): Promise<void> {
  const store = ctx.store ?? createFileTokenStore();
  const entries = await store.list();
  const current = await store.readCurrent().catch(() => null);
  const rows = entries.map((entry) => ({
    baseUrl: entry.baseUrl,
    project: entry.project,
    kind: entry.kind === 'oidc' ? entry.flow : entry.kind,
    user: entry.user,
    current: current !== null && sameBase(current.baseUrl)(entry.baseUrl) && current.project === entry.project,
  }));
  if (ctx.flags.json) {
    ctx.out(`${JSON.stringify(rows)}\n`);
    return;
  }
  if (rows.length === 0) ctx.out('No cached logins.\n');
  for (const row of rows) {
    ctx.out(`${row.current ? '*' : ' '} ${row.baseUrl}  ${row.project || '(no project)'}  ${row.kind}  ${row.user}\n`);
  }
}
