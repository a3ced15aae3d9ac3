/** `cdf-auth switch`: make a cached login the current one (gh `auth switch`, az `account set`). */
import { createFileTokenStore } from '../../stores/file-token-store.js';
import { chosenLogin } from '../cached-login.js';
import { type CommandContext, text } from '../context.js';
import { UsageError } from '../exit-codes.js';

/**
 * `cdf-auth switch --project P` (or `--base-url URL`, `--cluster NAME`, `--profile NAME`, or both): the
 * named cached login becomes the one `token`, `status`, `api` and `logout` use when none is named.
 */
export async function switchLogin(ctx: CommandContext): Promise<void> {
  if (!['base-url', 'cluster', 'project', 'profile'].some((flag) => text(ctx, flag) !== undefined)) {
    throw new UsageError(
      'Name the login to switch to: --project P and/or --base-url URL ("cdf-auth logins" lists them).',
    );
  }
  const store = ctx.store ?? createFileTokenStore();
  const login = await chosenLogin(ctx, store);
  await store.makeCurrent(login);
  if (ctx.flags.json) ctx.out(`${JSON.stringify({ current: login })}\n`);
  else ctx.out(`Now using ${login.project || '(no project)'} at ${login.baseUrl}.\n`);
}
