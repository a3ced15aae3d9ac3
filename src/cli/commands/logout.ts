/** `cdf-auth logout`: end the session where CDF can end it, and delete the cached login. */
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { createCdfClient } from '../../protocol/cdf.js';
import { createOidcClient } from '../../protocol/oidc.js';
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
  let remote: string;
  try {
    remote = await endRemotely(ctx, entry);
  } catch (error) {
    // The local copy goes regardless: a user who logs out must not keep a usable token on disk.
    const who = entry.kind === 'oidc' ? 'the IdP' : 'CDF';
    remote = ` (${who} could not be told: ${error instanceof Error ? error.message : 'error'})`;
  }
  await store.remove(login);
  ctx.out(`Signed out of ${login.project || '(no project)'} at ${login.baseUrl}${remote}.\n`);
}

/**
 * Ends what can be ended beyond this machine: the legacy session at CDF (`/logout`), or the OIDC sign-in
 * at the IdP by revoking its refresh token (RFC 7009) where the IdP advertises revocation. Says which.
 */
async function endRemotely(ctx: CommandContext, entry: CacheEntry): Promise<string> {
  if (entry.kind === 'login-url') {
    await createCdfClient({ baseUrl: entry.baseUrl }).logout(
      { accessToken: entry.accessToken },
      { signal: ctx.signal },
    );
    return ' (the session at CDF ended)';
  }
  if (entry.kind !== 'oidc') return '';
  const secret = entry.clientSecretEnv ? ctx.env[entry.clientSecretEnv] : undefined;
  const idp = createOidcClient({
    issuer: entry.issuer,
    clientId: entry.clientId,
    ...(secret ? { clientSecret: secret } : {}),
  });
  const { refreshToken, accessToken } = entry.tokens;
  const revoked = refreshToken
    ? await idp.revoke(refreshToken, 'refresh_token', ctx.signal)
    : await idp.revoke(accessToken, 'access_token', ctx.signal);
  if (!revoked) return ' (the IdP offers no token revocation: the tokens it issued stay valid until they expire)';
  return refreshToken ? ' (the refresh token was revoked at the IdP)' : ' (the access token was revoked at the IdP)';
}
