/** The `cdf-auth` commands that work against any cluster: login, token, status, logout, diagram. */
import { apiKeyMachine } from '../../machines/api-key.js';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import { clientCredentialsMachine } from '../../machines/client-credentials.js';
import { deviceCodeMachine } from '../../machines/device-code.js';
import { loginUrlMachine } from '../../machines/login-url.js';
import { sessionMachine } from '../../machines/session.js';
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
  readonly flags: Record<string, string | boolean | undefined>;
  readonly positionals: readonly string[];
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly store?: TokenStore;
}

/** The machines `cdf-auth diagram` knows. */
export const machines = {
  'login-url': loginUrlMachine,
  'api-key': apiKeyMachine,
  'authorization-code': authorizationCodeMachine,
  'device-code': deviceCodeMachine,
  'client-credentials': clientCredentialsMachine,
  session: sessionMachine,
} as const;

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

export async function login(ctx: CommandContext): Promise<void> {
  const flow = text(ctx, 'flow') ?? 'login-url';
  const baseUrl = required(ctx, 'base-url');
  const store = ctx.store ?? createFileTokenStore();
  const progress = progressReporter({ verbose: ctx.flags.verbose === true });
  const common = { baseUrl, signal: ctx.signal, onTransition: progress.onTransition };
  try {
    if (flow === 'login-url') {
      const project = required(ctx, 'project');
      const opener: Opener = ctx.flags.headless
        ? headlessOpener()
        : ctx.flags['no-browser']
          ? printUrlOpener(ctx.err)
          : systemBrowserOpener(ctx.env);
      const timeoutMs = seconds(ctx, 'timeout');
      const session = await loginWithLoginUrl({
        ...common,
        project,
        opener,
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
      const variable = required(ctx, 'api-key-env');
      const apiKey = ctx.env[variable];
      if (!apiKey) throw new UsageError(`The environment variable ${variable} is empty or not set.`);
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
    if (flow === 'code' || flow === 'device' || flow === 'client-credentials') {
      await loginOidc(ctx, flow, store, common);
      return;
    }
    throw new UsageError(`Unknown flow "${flow}"; use login-url, api-key, code, device or client-credentials.`);
  } finally {
    progress.stop();
  }
}

async function loginOidc(
  ctx: CommandContext,
  flow: 'code' | 'device' | 'client-credentials',
  store: TokenStore,
  common: { baseUrl: string; signal: AbortSignal; onTransition: (t: FlowTransition) => void },
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
    secretEnv = required(ctx, 'client-secret-env');
    const clientSecret = ctx.env[secretEnv];
    if (!clientSecret) throw new UsageError(`The environment variable ${secretEnv} is empty or not set.`);
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
    signIn = await loginWithAuthorizationCode({ ...base, scope, opener });
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

/** The cached OIDC access token, refreshed first when it is about to expire; the cache follows. */
async function freshOidcToken(ctx: CommandContext, store: TokenStore, entry: CachedOidcLogin): Promise<string> {
  if (entry.tokens.expiresAt - 30_000 > Date.now()) return entry.tokens.accessToken;
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
  try {
    const token = await session.getToken();
    if (next) await store.write({ ...entry, tokens: next });
    return token;
  } catch (error) {
    // A refused refresh ends the login: nothing stays on disk (SECURITY.md 2.8).
    if (error instanceof AuthFlowError && ['invalidGrant', 'reauthRequired', 'idTokenInvalid'].includes(error.code)) {
      await store.remove({ baseUrl: entry.baseUrl, project: entry.project });
    }
    throw error;
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

async function cached(ctx: CommandContext): Promise<{ store: TokenStore; login: CurrentLogin; entry: CacheEntry }> {
  const store = ctx.store ?? createFileTokenStore();
  const baseUrl = text(ctx, 'base-url');
  const project = text(ctx, 'project');
  const login = baseUrl && project ? { baseUrl, project } : await store.readCurrent();
  if (!login) throw new AuthFlowError({ code: 'notLoggedIn', message: 'Not signed in; run "cdf-auth login" first.' });
  const entry = await store.read(login);
  if (!entry) {
    throw new AuthFlowError({
      code: 'notLoggedIn',
      message: `Not signed in to ${login.project} at ${login.baseUrl}; run "cdf-auth login".`,
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
  const { store, login, entry } = await cached(ctx);
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
  ctx.out(`Signed out of ${login.project} at ${login.baseUrl}${remote}.\n`);
}

export async function diagram(ctx: CommandContext): Promise<void> {
  const name = ctx.positionals[0];
  const machine = name ? machines[name as keyof typeof machines] : undefined;
  if (!machine) throw new UsageError(`Name a machine: ${Object.keys(machines).join(', ')}.`);
  const format = (text(ctx, 'format') ?? 'mermaid') as DiagramFormat;
  if (!['mermaid', 'dot', 'json'].includes(format)) throw new UsageError('--format is mermaid, dot or json.');
  ctx.out(renderDiagram(machine, format));
}
