/** `cdf-auth logout`: end the session where CDF can end it, and delete the cached login. */
import { logoutCachedLogin } from '../../drivers/node/cached-login.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import type { RemoteLogout } from '../../session/cdf-session.js';
import { type CacheEntry, type CurrentLogin, createFileTokenStore } from '../../stores/file-token-store.js';
import { chosenLogin } from '../cached-login.js';
import type { CommandContext } from '../context.js';

export async function logout(ctx: CommandContext): Promise<void> {
  const store = ctx.store ?? createFileTokenStore();
  let login: CurrentLogin;
  try {
    login = await chosenLogin(ctx, store);
  } catch (error) {
    // An unreadable current.json names no login: forget it, and say which logins are left to sign out.
    if (!(error instanceof AuthFlowError && error.code === 'cacheCorrupt')) throw error;
    await store.forgetCurrent();
    const left = await store.list();
    const named = left.map((entry) => `${entry.project || '(no project)'} at ${entry.baseUrl}`).join('; ');
    ctx.out(
      `Removed the unreadable current.json in ${store.dir} (it named the current login).${
        left.length > 0
          ? ` Still cached: ${named}; sign one out with --base-url and --project.`
          : ' No login is cached.'
      }\n`,
    );
    return;
  }
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
  const outcome = await logoutCachedLogin(entry, store, ctx.env, ctx.signal);
  const who = entry.kind === 'oidc' ? 'the IdP' : 'CDF';
  const remote =
    'ended' in outcome
      ? ENDED[outcome.ended]
      : ` (${who} could not be told: ${outcome.remoteError instanceof Error ? outcome.remoteError.message : 'error'})`;
  ctx.out(`Signed out of ${login.project || '(no project)'} at ${login.baseUrl}${remote}.\n`);
}

/** What the person is told of the remote half of a logout. */
const ENDED: Readonly<Record<RemoteLogout, string>> = {
  cdfSession: ' (the session at CDF ended)',
  refreshToken: ' (the refresh token was revoked at the IdP)',
  accessToken: ' (the access token was revoked at the IdP)',
  unsupported: ' (the IdP offers no token revocation: the tokens it issued stay valid until they expire)',
  none: '',
};
