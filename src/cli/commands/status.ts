/**
 * `cdf-auth status`, like the Cognite Toolkit's `cdf auth verify`: who the cached login is (subject),
 * the IdP, the cluster and project, when the token expires and its scopes, then every project the token
 * reaches with its group and capability counts (from token/inspect); `--verbose` lists the capabilities.
 */
import { COGNITE_IDP_ISSUER, idpName } from '../../config/idp-presets.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { createCdfClient, type TokenInspection } from '../../protocol/cdf.js';
import type { CachedOidcLogin } from '../../stores/file-token-store.js';
import { cached, credentialsOf, freshOidcToken } from '../cached-login.js';
import type { CommandContext } from '../context.js';

/** One capability as token/inspect lists it: `{ "<name>Acl": { actions, scope }, projectScope }`. */
interface Capability {
  readonly name: string;
  readonly actions: readonly string[];
  readonly projects: readonly string[] | 'all';
}

function capabilitiesOf(inspection: TokenInspection): Capability[] {
  return inspection.capabilities.flatMap((raw) => {
    if (typeof raw !== 'object' || raw === null) return [];
    const entries = Object.entries(raw as Record<string, unknown>);
    const acl = entries.find(([key]) => key !== 'projectScope');
    if (!acl) return [];
    const scope = (raw as { projectScope?: { projects?: unknown; allProjects?: unknown } }).projectScope;
    const actions = (acl[1] as { actions?: unknown } | null)?.actions;
    return [
      {
        name: acl[0],
        actions: Array.isArray(actions) ? actions.map(String) : [],
        projects:
          scope?.allProjects !== undefined ? 'all' : Array.isArray(scope?.projects) ? scope.projects.map(String) : [],
      },
    ];
  });
}

/** The name of a login's IdP, where its preset or issuer says it. */
const idpNameOf = (entry: CachedOidcLogin): string | null =>
  (entry.provider && entry.provider !== 'oidc' ? idpName(entry.provider) : null) ??
  (new URL(entry.issuer).host === new URL(COGNITE_IDP_ISSUER).host ? idpName('cogidp') : null);

/** What the status says of an OIDC login. */
function oidcStatus(entry: CachedOidcLogin, inspection: TokenInspection, expiresAt: number) {
  const capabilities = capabilitiesOf(inspection);
  return {
    loggedIn: true,
    flow: entry.flow,
    user: inspection.subject,
    issuer: entry.issuer,
    idp: idpNameOf(entry),
    baseUrl: entry.baseUrl,
    project: entry.project || null,
    expiresAt: new Date(expiresAt).toISOString(),
    scopes: (entry.tokens.scope ?? entry.scope).split(' ').filter(Boolean),
    projects: inspection.projects.map((p) => {
      const reach = capabilities.filter((c) => c.projects === 'all' || c.projects.includes(p.projectUrlName));
      return { project: p.projectUrlName, groups: p.groups.length, capabilities: reach.length, reach };
    }),
  };
}

async function oidc(ctx: CommandContext, entry: CachedOidcLogin, accessToken: string): Promise<void> {
  const inspection = await createCdfClient({ baseUrl: entry.baseUrl }).inspectToken(accessToken, {
    signal: ctx.signal,
  });
  // The entry as it is now: freshOidcToken may have refreshed it.
  const status = oidcStatus(entry, inspection, entry.tokens.expiresAt);
  const verbose = ctx.flags.verbose === true;
  if (ctx.flags.json) {
    const projects = status.projects.map(({ reach, ...rest }) => (verbose ? { ...rest, capabilityList: reach } : rest));
    ctx.out(`${JSON.stringify({ ...status, projects })}\n`);
    return;
  }
  ctx.out(
    [
      `Signed in as ${status.user} (${status.flow})`,
      `  IdP:      ${status.idp ? `${status.idp} (${status.issuer})` : status.issuer}`,
      `  CDF:      ${status.baseUrl}${status.project ? `, project ${status.project}` : ''}`,
      `  Expires:  ${status.expiresAt}`,
      `  Scopes:   ${status.scopes.join(' ') || '(none named)'}`,
      `  Projects: ${status.projects.length === 0 ? 'none' : ''}`,
      ...status.projects.flatMap((p) => [
        `    ${p.project}: ${p.groups} group${p.groups === 1 ? '' : 's'}, ${p.capabilities} capabilit${p.capabilities === 1 ? 'y' : 'ies'}`,
        ...(verbose ? p.reach.map((c) => `      ${c.name}: ${c.actions.join(', ')}`) : []),
      ]),
    ].join('\n') + '\n',
  );
}

export async function status(ctx: CommandContext): Promise<void> {
  const { entry, store, login } = await cached(ctx);
  if (entry.kind === 'oidc') {
    const accessToken = await freshOidcToken(ctx, store, entry);
    const now = await store.read(login);
    await oidc(ctx, now?.kind === 'oidc' ? now : entry, accessToken);
    return;
  }
  const cdf = createCdfClient({ baseUrl: entry.baseUrl });
  if (entry.kind === 'token') {
    const { accessToken } = credentialsOf(ctx, entry) as { accessToken: string };
    const inspection = await cdf.inspectToken(accessToken, { signal: ctx.signal });
    const projects = inspection.projects.map((p) => p.projectUrlName);
    if (ctx.flags.json) {
      ctx.out(
        `${JSON.stringify({ loggedIn: true, flow: 'token', user: inspection.subject, baseUrl: entry.baseUrl, project: entry.project || null, projects, tokenEnv: entry.tokenEnv })}\n`,
      );
    } else {
      ctx.out(
        `Signed in as ${inspection.subject} (token from $${entry.tokenEnv})\n  CDF:      ${entry.baseUrl}${entry.project ? `, project ${entry.project}` : ''}\n  Projects: ${projects.join(', ') || 'none'}\n`,
      );
    }
    return;
  }
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
