/**
 * `cdf-auth token`: print the cached access token, refreshed first when due. `--header` prints the whole
 * header that authenticates a request instead (`Authorization: Bearer …`, or `api-key: …` for an API-key
 * login), so that `curl -H "$(cdf-auth token --header)"` works for every way in.
 */

import { isFresh } from '../../../machines/shared/freshness.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { cached, credentialsOf, freshOidcToken } from '../cached-login.js';
import type { CommandContext } from '../context.js';

export async function token(ctx: CommandContext): Promise<void> {
  const { entry, store } = await cached(ctx);
  const header = ctx.flags.header === true;
  if (entry.kind === 'oidc') {
    const accessToken = await freshOidcToken(ctx, store, entry);
    if (ctx.flags.json) {
      // The entry as it is now: freshOidcToken may have refreshed it.
      const now = await store.read({ baseUrl: entry.baseUrl, project: entry.project }).catch(() => null);
      const expiresAt = now?.kind === 'oidc' ? now.tokens.expiresAt : entry.tokens.expiresAt;
      ctx.out(
        `${JSON.stringify({ accessToken, tokenType: 'Bearer', expiresAt: new Date(expiresAt).toISOString() })}\n`,
      );
      return;
    }
    ctx.out(`${header ? `Authorization: Bearer ${accessToken}` : accessToken}\n`);
    return;
  }
  if (entry.kind === 'token') {
    const { accessToken } = credentialsOf(ctx, entry) as { accessToken: string };
    ctx.out(`${header ? `Authorization: Bearer ${accessToken}` : accessToken}\n`);
    return;
  }
  if (entry.kind === 'api-key') {
    if (!header) {
      throw new AuthFlowError({
        code: 'notLoggedIn',
        message: `This login uses an API key (in $${entry.apiKeyEnv}); there is no token to print. --header prints the api-key header.`,
      });
    }
    ctx.out(`api-key: ${credentialsOf(ctx, entry).apiKey}\n`);
    return;
  }
  // Legacy tokens cannot be refreshed; a token that is about to expire is as good as gone.
  if (!isFresh(entry, Date.now())) {
    throw new AuthFlowError({
      code: 'tokenRejected',
      message: 'The cached token has expired; run "cdf-auth login" again.',
    });
  }
  ctx.out(`${header ? `Authorization: Bearer ${entry.accessToken}` : entry.accessToken}\n`);
}
