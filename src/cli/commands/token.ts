/** `cdf-auth token`: print the cached access token, refreshed first when due. */
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { cached, freshOidcToken } from '../cached-login.js';
import type { CommandContext } from '../context.js';

export async function token(ctx: CommandContext): Promise<void> {
  const { entry, store } = await cached(ctx);
  if (entry.kind === 'oidc') {
    ctx.out(`${await freshOidcToken(ctx, store, entry)}\n`);
    return;
  }
  if (entry.kind !== 'login-url') {
    throw new AuthFlowError({
      code: 'notLoggedIn',
      message: `This login uses an API key (in $${entry.apiKeyEnv}); there is no token to print.`,
    });
  }
  // Legacy tokens cannot be refreshed; a token that is about to expire is as good as gone.
  if (entry.expiresAt !== null && entry.expiresAt <= Date.now() + 30_000) {
    throw new AuthFlowError({
      code: 'tokenRejected',
      message: 'The cached token has expired; run "cdf-auth login" again.',
    });
  }
  ctx.out(`${entry.accessToken}\n`);
}
