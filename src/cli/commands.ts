/** The `cdf-auth` commands that work against any cluster: login, token, status, logout, diagram. */
import { needsNewSignIn } from '../../machines/failure.js';
import { machinesByName } from '../../machines/index.js';
import type { IdClaims, TokenSet } from '../../machines/tokens.js';
import { loginWithApiKey, loginWithLoginUrl } from '../drivers/node.js';
import {
  loginWithAuthorizationCode,
  loginWithClientCredentials,
  loginWithDeviceCode,
  sessionFor,
} from '../drivers/oidc-node.js';
import { headlessOpener, type Opener, printUrlOpener, systemBrowserOpener } from '../drivers/opener.js';
import type { FlowTransition } from '../drivers/run-flow.js';
import { AuthFlowError } from '../errors/auth-flow-error.js';
import { createCdfClient } from '../protocol/cdf.js';
import {
  type CachedOidcLogin,
  type CacheEntry,
  type CurrentLogin,
  createFileTokenStore,
  type TokenStore,
} from '../stores/file-token-store.js';
import { type DiagramFormat, renderDiagram } from '../viz/diagram.js';
import { UsageError } from './exit-codes.js';
import { progressReporter } from './progress.js';

/** What every command gets: its parsed flags, where to write, and the environment. */
export interface CommandContext {
  readonly flags: Record<string, string | boolean | readonly string[] | undefined>;
  readonly positionals: readonly string[];
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly store?: TokenStore;
}

const machines = machinesByName;

const text = (ctx: CommandContext, name: string): string | undefined => {
  const value = ctx.flags[name];
  return typeof value === 'string' ? value : undefined;
};

const required = (ctx: CommandContext, name: string): string => {
  const value = text(ctx, name);
  if (!value) throw new UsageError(`--${name} is required.`);
  return value;
};

const seconds = (ctx: CommandContext, name: string): number | undefined => {
  const value = text(ctx, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`--${name} takes a number of seconds.`);
  return number * 1000;
};

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The value of the variable named by `--<flag>`. What was passed is repeated in a message only when it
 * looks like a variable name: a secret pasted in its place must not be echoed to the terminal.
 */
const fromEnv = (ctx: CommandContext, flag: string): { name: string; value: string } => {
  const name = required(ctx, flag);
  if (!ENV_NAME.test(name)) {
    throw new UsageError(
      `--${flag} takes the name of an environment variable (letters, digits and _), not its value; the value given was not shown.`,
    );
  }
  const value = ctx.env[name];
  if (!value) throw new UsageError(`The variable named by --${flag} (${name}) is not set or is empty.`);
  return { name, value };
};

/** The app's own query parameters for the login-URL redirect, from `--redirect-param name=value`. */
const redirectParams = (ctx: CommandContext): Record<string, string> => {
  const raw = ctx.flags['redirect-param'];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  const params: Record<string, string> = {};
  for (const pair of list as string[]) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError('--redirect-param takes name=value.');
    params[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return params;
};

const FLOWS = 'code, device, client-credentials, login-url or api-key';

export async function login(ctx: CommandContext): Promise<void> {
  const flow = text(ctx, 'flow') ?? (text(ctx, 'issuer') ? 'code' : undefined);
  if (!flow) {
    throw new UsageError(
      `Say how to sign in: --flow ${FLOWS.replaceAll(', ', ' | ').replace(' or ', ' | ')} (with --issuer, --flow code is the default).`,
    );
  }
  if (!['login-url', 'api-key', 'code', 'device', 'client-credentials'].includes(flow)) {
    throw new UsageError(`Unknown flow "${flow.slice(0, 40)}"; use ${FLOWS}.`);
  }
  const baseUrl = required(ctx, 'base-url');
  const store = ctx.store ?? createFileTokenStore();
  // A cache that cannot take the result fails now, not after the person has signed in.
  await store.assertWritable({ baseUrl, project: text(ctx, 'project') ?? '' });
  const timeoutMs = seconds(ctx, 'timeout');
  // --timeout bounds the whole sign-in, whichever flow: its end reads as `timeout`, Ctrl-C as `cancelled`.
  const deadline = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
  const signal = deadline ? AbortSignal.any([ctx.signal, deadline]) : ctx.signal;
  const progress = progressReporter({ verbose: ctx.flags.verbose === true });
  const common = { baseUrl, signal, onTransition: progress.onTransition };
  try {
    await signInWith(ctx, flow, store, common, timeoutMs);
  } catch (error) {
    if (deadline?.aborted && !ctx.signal.aborted && !(error instanceof UsageError)) {
      throw new AuthFlowError({
        code: 'timeout',
        message: `The sign-in did not finish within --timeout ${timeoutMs! / 1000} s; start again.`,
      });
    }
    throw error;
  } finally {
    progress.stop();
  }
}

async function signInWith(
  ctx: CommandContext,
  flow: string,
  store: TokenStore,
  common: { baseUrl: string; signal: AbortSignal; onTransition: (t: FlowTransition) => void },
  timeoutMs: number | undefined,
): Promise<void> {
  const { baseUrl } = common;
  if (flow === 'login-url') {
    const project = required(ctx, 'project');
    const opener: Opener = ctx.flags.headless
      ? headlessOpener()
      : ctx.flags['no-browser']
        ? printUrlOpener(ctx.err)
        : systemBrowserOpener(ctx.env);
    const fragment = text(ctx, 'redirect-fragment');
    const session = await loginWithLoginUrl({
      ...common,
      project,
      opener,
      redirectParams: redirectParams(ctx),
      ...(fragment ? { redirectFragment: fragment.replace(/^#/, '') } : {}),
      ...(timeoutMs ? { timeouts: { callbackMs: timeoutMs } } : {}),
    });
    await store.write({ v: 1, kind: 'login-url', baseUrl, ...session });
    report(ctx, {
      user: session.user,
      project: session.project,
      projectId: session.projectId,
      expiresAt: session.expiresAt,
    });
    return;
  }
  if (flow === 'api-key') {
    const { name: variable, value: apiKey } = fromEnv(ctx, 'api-key-env');
    const project = text(ctx, 'project');
    const identity = await loginWithApiKey({ ...common, apiKey, ...(project ? { project } : {}) });
    await store.write({
      v: 1,
      kind: 'api-key',
      baseUrl,
      project: identity.project,
      user: identity.user,
      apiKeyEnv: variable,
    });
    report(ctx, { user: identity.user, project: identity.project, projectId: identity.projectId, expiresAt: null });
    return;
  }
  await loginOidc(ctx, flow as 'code' | 'device' | 'client-credentials', store, common, timeoutMs);
}

async function loginOidc(
  ctx: CommandContext,
  flow: 'code' | 'device' | 'client-credentials',
  store: TokenStore,
  common: { baseUrl: string; signal: AbortSignal; onTransition: (t: FlowTransition) => void },
  timeoutMs: number | undefined,
): Promise<void> {
  const issuer = required(ctx, 'issuer');
  const clientId = required(ctx, 'client-id');
  const project = text(ctx, 'project');
  const base = { ...common, issuer, clientId, ...(project ? { project } : {}) };
  let signIn: {
    tokens: TokenSet;
    claims: IdClaims | null;
    inspection: { subject: string; projects: readonly string[] };
  };
  let scope: string;
  let secretEnv: string | undefined;
  let resource: string | undefined;
  if (flow === 'client-credentials') {
    const secret = fromEnv(ctx, 'client-secret-env');
    secretEnv = secret.name;
    const clientSecret = secret.value;
    scope = text(ctx, 'scope') ?? '';
    resource = text(ctx, 'resource');
    const result = await loginWithClientCredentials({
      ...base,
      clientSecret,
      scope,
      ...(resource ? { resource } : {}),
    });
    signIn = { ...result, claims: null };
  } else if (flow === 'code') {
    scope = text(ctx, 'scope') ?? 'openid profile offline_access';
    const opener: Opener = ctx.flags.headless
      ? headlessOpener()
      : ctx.flags['no-browser']
        ? printUrlOpener(ctx.err)
        : systemBrowserOpener(ctx.env);
    signIn = await loginWithAuthorizationCode({
      ...base,
      scope,
      opener,
      ...(timeoutMs ? { timeouts: { callbackMs: timeoutMs } } : {}),
    });
  } else {
    scope = text(ctx, 'scope') ?? 'openid profile offline_access';
    signIn = await loginWithDeviceCode({
      ...base,
      scope,
      onUserCode: (info) =>
        ctx.err(
          `To sign in, open ${info.verificationUri} and enter the code ${info.userCode}\n${
            info.verificationUriComplete ? `(or open ${info.verificationUriComplete})\n` : ''
          }`,
        ),
    });
  }
  await store.write({
    v: 1,
    kind: 'oidc',
    flow,
    baseUrl: common.baseUrl,
    project: project ?? '',
    user: signIn.inspection.subject,
    issuer,
    clientId,
    scope,
    ...(secretEnv ? { clientSecretEnv: secretEnv } : {}),
    ...(resource ? { resource } : {}),
    tokens: signIn.tokens,
    claims: signIn.claims,
  });
  report(ctx, {
    user: signIn.inspection.subject,
    project: project ?? signIn.inspection.projects.join(', '),
    projectId: -1,
    expiresAt: signIn.tokens.expiresAt,
  });
}

const isFresh = (entry: CachedOidcLogin) => entry.tokens.expiresAt - 30_000 > Date.now();

/**
 * The cached OIDC access token, refreshed first when it is about to expire; the cache follows. The
 * refresh runs under the entry's inter-process lock: a process that waited re-reads the cache and
 * takes the tokens the winner wrote, instead of spending a rotated refresh token (which would make the
 * IdP revoke the whole family).
 */
async function freshOidcToken(ctx: CommandContext, store: TokenStore, entry: CachedOidcLogin): Promise<string> {
  if (isFresh(entry)) return entry.tokens.accessToken;
  const login = { baseUrl: entry.baseUrl, project: entry.project };
  return store.withLock(
    login,
    async () => {
      const current = await store.read(login);
      if (current?.kind !== 'oidc') {
        throw new AuthFlowError({ code: 'notLoggedIn', message: 'The login was removed meanwhile; sign in again.' });
      }
      if (isFresh(current)) return current.tokens.accessToken;
      try {
        return await refreshEntry(ctx, store, current);
      } catch (error) {
        // A refused refresh ends the login: nothing stays on disk (docs/security.md §2.3), unless another
        // process wrote a new login after this one was read.
        if (error instanceof AuthFlowError && needsNewSignIn(error.code)) {
          const now = await store.read(login).catch(() => null);
          if (now?.kind === 'oidc' && now.tokens.refreshToken === current.tokens.refreshToken)
            await store.remove(login);
        }
        throw error;
      }
    },
    { signal: ctx.signal, timeoutMs: 60_000 },
  );
}

async function refreshEntry(ctx: CommandContext, store: TokenStore, entry: CachedOidcLogin): Promise<string> {
  const clientSecret = entry.clientSecretEnv ? ctx.env[entry.clientSecretEnv] : undefined;
  if (entry.clientSecretEnv && !clientSecret) {
    throw new UsageError(`The client secret variable ${entry.clientSecretEnv} is not set in this shell.`);
  }
  const base = { issuer: entry.issuer, clientId: entry.clientId, baseUrl: entry.baseUrl, scope: entry.scope };
  let next: TokenSet | undefined;
  const session = sessionFor(
    { tokens: entry.tokens as TokenSet, claims: entry.claims as IdClaims | null },
    clientSecret
      ? { ...base, clientSecret, ...(entry.resource ? { resource: entry.resource } : {}) }
      : (base as Parameters<typeof sessionFor>[1]),
    {
      onTokens: (tokens) => {
        next = tokens;
      },
    },
  );
  // Ctrl-C ends the wait at once: logging the session out stops the refresh and aborts its request.
  const cancelled = new Promise<never>((_, reject) => {
    const onAbort = () => {
      session.logout();
      reject(new AuthFlowError({ code: 'cancelled', message: 'The token refresh was cancelled.' }));
    };
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  cancelled.catch(() => {});
  try {
    const token = await Promise.race([session.getToken(), cancelled]);
    if (next) await store.write({ ...entry, tokens: next });
    return token;
  } finally {
    session.logout();
  }
}

function report(
  ctx: CommandContext,
  who: { user: string; project: string; projectId: number; expiresAt: number | null },
): void {
  if (ctx.flags.json) {
    ctx.out(
      `${JSON.stringify({ loggedIn: true, ...who, expiresAt: who.expiresAt && new Date(who.expiresAt).toISOString() })}\n`,
    );
    return;
  }
  const until = who.expiresAt ? ` until ${new Date(who.expiresAt).toISOString()}` : '';
  ctx.out(`Signed in as ${who.user} to project ${who.project}${until}.\n`);
}

/**
 * The login a command works on: `--base-url` and `--project` name it; `--base-url` alone picks the one
 * login cached for that cluster (never another cluster's); neither means the current login.
 */
async function chosenLogin(ctx: CommandContext, store: TokenStore): Promise<CurrentLogin> {
  const baseUrl = text(ctx, 'base-url');
  const project = text(ctx, 'project');
  if (baseUrl && project !== undefined) return { baseUrl, project };
  if (!baseUrl) {
    if (project !== undefined) throw new UsageError('--project needs --base-url beside it.');
    const current = await store.readCurrent();
    if (!current)
      throw new AuthFlowError({ code: 'notLoggedIn', message: 'Not signed in; run "cdf-auth login" first.' });
    return current;
  }
  const wanted = sameBase(baseUrl);
  const found = (await store.list()).filter((entry) => wanted(entry.baseUrl));
  if (found.length === 1 && found[0]) return { baseUrl: found[0].baseUrl, project: found[0].project };
  if (found.length === 0) throw new UsageError(`No login is cached for ${baseUrl}; run "cdf-auth login" for it.`);
  throw new UsageError(
    `Several logins are cached for ${baseUrl}; name one with --project (${found.map((e) => e.project || '""').join(', ')}).`,
  );
}

function sameBase(baseUrl: string): (other: string) => boolean {
  const key = (url: string) => {
    try {
      const parsed = new URL(url);
      return parsed.origin + parsed.pathname.replace(/\/+$/, '');
    } catch {
      return url;
    }
  };
  const wanted = key(baseUrl);
  return (other) => key(other) === wanted;
}

async function cached(ctx: CommandContext): Promise<{ store: TokenStore; login: CurrentLogin; entry: CacheEntry }> {
  const store = ctx.store ?? createFileTokenStore();
  const login = await chosenLogin(ctx, store);
  const entry = await store.read(login);
  if (!entry) {
    throw new AuthFlowError({
      code: 'notLoggedIn',
      message: `Not signed in to ${login.project || '(no project)'} at ${login.baseUrl}; run "cdf-auth login".`,
    });
  }
  return { store, login, entry };
}

const credentialsOf = (ctx: CommandContext, entry: CacheEntry) => {
  if (entry.kind === 'login-url') return { accessToken: entry.accessToken };
  if (entry.kind === 'oidc') return { accessToken: entry.tokens.accessToken };
  const apiKey = ctx.env[entry.apiKeyEnv];
  if (!apiKey) throw new UsageError(`The API key variable ${entry.apiKeyEnv} is not set in this shell.`);
  return { apiKey };
};

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

/** `cdf-auth logins`: every cached login, so that any of them can be named with --base-url/--project. */
export async function logins(ctx: CommandContext): Promise<void> {
  const store = ctx.store ?? createFileTokenStore();
  const entries = await store.list();
  const current = await store.readCurrent().catch(() => null);
  const rows = entries.map((entry) => ({
    baseUrl: entry.baseUrl,
    project: entry.project,
    kind: entry.kind === 'oidc' ? entry.flow : entry.kind,
    user: entry.user,
    current: current !== null && sameBase(current.baseUrl)(entry.baseUrl) && current.project === entry.project,
  }));
  if (ctx.flags.json) {
    ctx.out(`${JSON.stringify(rows)}\n`);
    return;
  }
  if (rows.length === 0) ctx.out('No cached logins.\n');
  for (const row of rows) {
    ctx.out(`${row.current ? '*' : ' '} ${row.baseUrl}  ${row.project || '(no project)'}  ${row.kind}  ${row.user}\n`);
  }
}

export async function diagram(ctx: CommandContext): Promise<void> {
  const name = ctx.positionals[0];
  const machine = name && Object.hasOwn(machines, name) ? machines[name as keyof typeof machines] : undefined;
  if (!machine) throw new UsageError(`Name a machine: ${Object.keys(machines).join(', ')}.`);
  const format = text(ctx, 'format') ?? 'mermaid';
  if (format === 'svg') {
    // Graphviz as WebAssembly, in this process (an optional peer dependency): nothing is fetched.
    const { renderSvg } = await import('../viz/live-page.js');
    ctx.out(`${(await renderSvg(machine)).trimEnd()}\n`);
    return;
  }
  if (!['mermaid', 'dot', 'json'].includes(format)) throw new UsageError('--format is mermaid, dot, svg or json.');
  ctx.out(renderDiagram(machine, format as DiagramFormat));
}
