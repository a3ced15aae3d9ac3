/** The `cdf-auth` commands that work against any cluster: login, token, status, logout, diagram. */
import { apiKeyMachine } from '../../machines/api-key.js';
import { loginUrlMachine } from '../../machines/login-url.js';
import { loginWithApiKey, loginWithLoginUrl } from '../drivers/node.js';
import { headlessOpener, type Opener, printUrlOpener, systemBrowserOpener } from '../drivers/opener.js';
import { AuthFlowError } from '../errors/auth-flow-error.js';
import { createCdfClient } from '../protocol/cdf.js';
import {
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
export const machines = { 'login-url': loginUrlMachine, 'api-key': apiKeyMachine } as const;

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
    throw new UsageError(`Unknown flow "${flow}"; use login-url or api-key.`);
  } finally {
    progress.stop();
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
  const apiKey = ctx.env[entry.apiKeyEnv];
  if (!apiKey) throw new UsageError(`The API key variable ${entry.apiKeyEnv} is not set in this shell.`);
  return { apiKey };
};

export async function token(ctx: CommandContext): Promise<void> {
  const { entry } = await cached(ctx);
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
  const { entry } = await cached(ctx);
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
