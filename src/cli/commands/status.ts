/** `cdf-auth status`: ask CDF who the cached login is. */
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { createCdfClient } from '../../protocol/cdf.js';
import { cached, credentialsOf, freshOidcToken } from '../cached-login.js';
import type { CommandContext } from '../context.js';

export async function status(ctx: CommandContext): Promise<void> {
  const { entry, store } = await cached(ctx);
  if (entry.kind === 'oidc') {
    const accessToken = await freshOidcToken(ctx, store, entry);
    const inspection = await createCdfClient({ baseUrl: entry.baseUrl }).inspectToken(accessToken, {
      signal: ctx.signal,
    });
    const projects = inspection.projects.map((p) => p.projectUrlName);
    if (ctx.flags.json) {
      ctx.out(
        `${JSON.stringify({ flow: entry.flow, baseUrl: entry.baseUrl, loggedIn: true, user: inspection.subject, projects })}\n`,
      );
    } else {
      ctx.out(
        `Signed in as ${inspection.subject} at ${entry.baseUrl} (${entry.flow}; projects: ${projects.join(', ') || 'none'}).\n`,
      );
    }
    return;
  }
  const cdf = createCdfClient({ baseUrl: entry.baseUrl });
  const result = await cdf.getLoginStatus(credentialsOf(ctx, entry), { signal: ctx.signal });
  const expiresAt = entry.kind === 'login-url' && entry.expiresAt ? new Date(entry.expiresAt).toISOString() : null;
  if (ctx.flags.json) {
    ctx.out(`${JSON.stringify({ flow: entry.kind, baseUrl: entry.baseUrl, ...result, expiresAt })}\n`);
  } else if (result.loggedIn) {
    ctx.out(
      `Signed in as ${result.user} to project ${result.project} at ${entry.baseUrl} (${entry.kind}${expiresAt ? `, expires ${expiresAt}` : ''}).\n`,
    );
  } else {
    ctx.out(`Not signed in: CDF no longer accepts the cached ${entry.kind === 'api-key' ? 'API key' : 'token'}.\n`);
  }
  if (!result.loggedIn) throw new AuthFlowError({ code: 'notLoggedIn', message: 'CDF says: not logged in.' });
}
