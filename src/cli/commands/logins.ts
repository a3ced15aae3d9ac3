/** `cdf-auth logins`: list the cached logins, and the token files that cannot be read. */
import { createFileTokenStore } from '../../stores/file-token-store.js';
import { sameBase } from '../cached-login.js';
import type { CommandContext } from '../context.js';

/** The table's columns, in order, with their headers. */
const COLUMNS = [
  ['current', ''],
  ['baseUrl', 'BASE URL'],
  ['project', 'PROJECT'],
  ['kind', 'FLOW'],
  ['user', 'USER'],
] as const;

/**
 * `cdf-auth logins`: every cached login, so that any of them can be named with --base-url/--project
 * (or made current with `cdf-auth switch`); a token file that cannot be read is listed as such, with
 * how to remove it.
 */
export async function logins(ctx: CommandContext): Promise<void> {
  const store = ctx.store ?? createFileTokenStore();
  const entries = await store.list();
  const unreadable = await store.unreadable();
  const current = await store.readCurrent().catch(() => null);
  const rows = entries.map((entry) => ({
    baseUrl: entry.baseUrl,
    project: entry.project,
    kind: entry.kind === 'oidc' ? entry.flow : entry.kind,
    user: entry.user,
    current: current !== null && sameBase(current.baseUrl)(entry.baseUrl) && current.project === entry.project,
  }));
  if (ctx.flags.json) {
    ctx.out(
      `${JSON.stringify(unreadable.length > 0 ? [...rows, ...unreadable.map((file) => ({ unreadable: file }))] : rows)}\n`,
    );
    return;
  }
  if (rows.length === 0 && unreadable.length === 0) ctx.out('No cached logins.\n');
  if (rows.length > 0) {
    const cells = rows.map((row) => [
      row.current ? '*' : '',
      row.baseUrl,
      row.project || '(no project)',
      row.kind,
      row.user,
    ]);
    ctx.out(table([COLUMNS.map(([, header]) => header), ...cells]));
  }
  for (const file of unreadable) {
    ctx.out(`unreadable: ${file} (remove it, or sign in again to the login it held)\n`);
  }
}

/** Left-aligned columns two spaces apart, without trailing blanks. */
function table(lines: readonly (readonly string[])[]): string {
  const widths = lines[0]?.map((_, column) => Math.max(...lines.map((line) => (line[column] ?? '').length))) ?? [];
  return lines
    .map(
      (line) =>
        `${line
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}
