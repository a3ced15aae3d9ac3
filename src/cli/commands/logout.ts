/** `cdf-auth logout`: end the session where CDF can end it, and delete the cached login. */
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { createCdfClient } from '../../protocol/cdf.js';
import { type CacheEntry, createFileTokenStore } from '../../stores/file-token-store.js';
import { chosenLogin } from '../cached-login.js';
import type { CommandContext } from '../context.js';

export async function logout(ctx: CommandContext): Promise<void> {
  const store = ctx.store ?? createFileTokenStore();
  const login = await chosenLogin(ctx, store);
  let entry: CacheEntry | null;
  try {
    entry = await store.read(login);
  } catch (error) {
    // A corrupt entry is what logout is for: remove it (its tokens, if any, cannot be read to end anything).
    if (!(error instanceof AuthFlowError && error.code === 'cacheCorrupt')) throw error;
    await store.remove(login);
    ctx.out(`Removed the unreadable cached login for ${login.project || '(no project)'} at ${login.baseUrl}.\n`);
    return;
  }
  if (!entry) {
    throw new AuthFlowError({
      code: 'notLoggedIn',
      message: `Not signed in to ${login.project || '(no project)'} at ${login.baseUrl}.`,
    });
  }
  let remote = '';
  if (entry.kind === 'login-url') {
    try {
      await createCdfClient({ baseUrl: entry.baseUrl }).logout(
        { accessToken: entry.accessToken },
        { signal: ctx.signal },
      );
    } catch (error) {
      // The local copy goes regardless: a user who logs out must not keep a usable token on disk.
      remote = ` (CDF could not be told: ${error instanceof Error ? error.message : 'error'})`;
    }
  }
  await store.remove(login);
  ctx.out(`Signed out of ${login.project || '(no project)'} at ${login.baseUrl}${remote}.\n`);
}
