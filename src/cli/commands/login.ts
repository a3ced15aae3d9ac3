/** `cdf-auth login`: sign in with any flow and cache the result. */
import type { IdClaims, TokenSet } from '../../../machines/tokens.js';
import { loginWithApiKey, loginWithLoginUrl } from '../../drivers/node.js';
import {
  loginWithAuthorizationCode,
  loginWithClientCredentials,
  loginWithDeviceCode,
} from '../../drivers/oidc-node.js';
import { headlessOpener, type Opener, printUrlOpener, systemBrowserOpener } from '../../drivers/opener.js';
import type { FlowTransition } from '../../drivers/run-flow.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { createFileTokenStore, type TokenStore } from '../../stores/file-token-store.js';
import { type CommandContext, fromEnv, required, seconds, text } from '../context.js';
import { UsageError } from '../exit-codes.js';
import { progressReporter } from '../progress.js';

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
