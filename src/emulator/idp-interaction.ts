/**
 * The IdP's interactions (login, consent): decided by the test's `setNextLogin` in headless mode, or by
 * the person on a small sign-in page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IdpOptions, NextLogin } from './idp-options.js';
import { loginPage, readBody } from './idp-pages.js';

/** The parts of an `oidc-provider` instance the interactions use (the package ships no types). */
// biome-ignore lint/suspicious/noExplicitAny: oidc-provider is untyped here
type Provider = any;

/** Creates the handler of `/interaction/:uid`. */
export function interactionHandler(
  provider: Provider,
  options: IdpOptions,
  issuer: string,
  nextLogin: () => NextLogin,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const usersById = new Map(options.users.map((user) => [user.id, user]));
  return async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const url = new URL(req.url ?? '/', issuer);
    let decision: NextLogin = nextLogin();
    if (!options.headless) {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(loginPage(url.pathname, options.users, details.prompt.name));
        return;
      }
      const form = new URLSearchParams(await readBody(req));
      decision = form.get('action') === 'deny' ? { deny: true } : { approve: form.get('user') ?? '' };
    }
    if ('deny' in decision) {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user declined to sign in.' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (details.prompt.name === 'login') {
      const accountId = usersById.has(decision.approve) ? decision.approve : (options.users[0]?.id ?? 'alice');
      await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      return;
    }
    const grantId = await grantAll(provider, details);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };
}

/** Consent: grants what the client asked for (the emulator's clients are all first-party); the grant's id. */
async function grantAll(provider: Provider, details: unknown): Promise<string> {
  const { prompt, params, session, grantId } = details as {
    prompt: {
      details: {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
    };
    params: { client_id: string };
    session: { accountId: string };
    grantId?: string;
  };
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (!grant) throw new Error('grant vanished');
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}
