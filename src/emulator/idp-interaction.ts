/**
 * The IdP's interactions (login, consent): decided by the test's `setNextLogin` in headless mode, or by
 * the person on a small sign-in page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorUser } from './config.js';
import type { IdpOptions, NextLogin } from './idp-options.js';
import { consentPage, expiredPage, finishedPage, loginPage, readBody } from './idp-pages.js';

/** The parts of an `oidc-provider` instance the interactions use (the package ships no types). */
// biome-ignore lint/suspicious/noExplicitAny: oidc-provider is untyped here
type Provider = any;

/** What the interaction handler reads of oidc-provider's interaction details. */
interface Details {
  readonly prompt: { readonly name: string; readonly details: PromptDetails };
  readonly params: { readonly client_id: string; readonly login_hint?: unknown };
  readonly session?: { readonly accountId?: string };
  readonly grantId?: string;
}

/** What consent is missing, as oidc-provider's consent prompt lists it. */
interface PromptDetails {
  readonly missingOIDCScope?: string[];
  readonly missingOIDCClaims?: string[];
  readonly missingResourceScopes?: Record<string, string[]>;
}

/** How many finished sign-ins the handler remembers, to answer Back from the app. */
const REMEMBERED = 500;

/** Creates the handler of `/interaction/:uid`. */
export function interactionHandler(
  provider: Provider,
  options: IdpOptions,
  issuer: string,
  nextLogin: () => NextLogin,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const usersById = new Map(options.users.map((user) => [user.id, user]));
  // Sign-ins that finished here, by interaction uid: the app that asked and how it ended.
  const finished = new Map<string, { client: string; outcome: string }>();
  const remember = (uid: string, client: string, outcome: string) => {
    finished.set(uid, { client, outcome });
    if (finished.size > REMEMBERED) finished.delete(finished.keys().next().value ?? '');
  };
  return async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const uid = url.pathname.split('/')[2] ?? '';
    const details = await detailsOf(provider, req, res);
    if (!details) {
      // Back from the app, or a stale tab: the interaction is gone (oidc-provider ends it once used).
      const known = finished.get(uid);
      html(res, 200, known ? finishedPage(known.client, known.outcome) : expiredPage());
      return;
    }
    const client = details.params.client_id;
    let decision: NextLogin = nextLogin();
    if (!options.headless) {
      if (req.method === 'GET') {
        html(res, 200, pageFor(details, url.pathname, options.users, usersById));
        return;
      }
      const form = new URLSearchParams(await readBody(req));
      decision = form.get('action') === 'deny' ? { deny: true } : { approve: form.get('user') ?? '' };
    }
    if ('deny' in decision) {
      remember(uid, client, 'You declined: the app was told no.');
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
      remember(uid, client, `You signed in as ${usersById.get(accountId)?.name ?? accountId}.`);
      await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      return;
    }
    const grantId = await grantAll(provider, details);
    remember(uid, client, 'You allowed the app access.');
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };
}

/** The interaction's details, or `undefined` where oidc-provider no longer has it (finished or expired). */
async function detailsOf(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<Details | undefined> {
  try {
    return (await provider.interactionDetails(req, res)) as Details;
  } catch (error) {
    if ((error as { name?: string }).name === 'SessionNotFound') return undefined;
    throw error;
  }
}

/** The page of the interaction's step: choose a user (login), or allow what the app asks (consent). */
function pageFor(
  details: Details,
  action: string,
  users: readonly EmulatorUser[],
  usersById: ReadonlyMap<string, EmulatorUser>,
): string {
  const client = details.params.client_id;
  if (details.prompt.name === 'login') {
    const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;
    return loginPage({ action, users, client, hint });
  }
  const accountId = details.session?.accountId ?? '';
  const user = usersById.get(accountId);
  const missing = details.prompt.details;
  return consentPage({
    action,
    client,
    user: user ? `${user.name} (${user.id})` : accountId,
    scopes: [...(missing.missingOIDCScope ?? []), ...Object.values(missing.missingResourceScopes ?? {}).flat()],
    resources: Object.keys(missing.missingResourceScopes ?? {}),
  });
}

/** Answers an HTML page that no cache keeps (Back must ask the IdP again). */
function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

/** Consent: grants what the client asked for (the emulator's clients are all first-party); the grant's id. */
async function grantAll(provider: Provider, details: Details): Promise<string> {
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session?.accountId, clientId: params.client_id });
  if (!grant) throw new Error('grant vanished');
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}
