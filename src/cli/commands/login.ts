/** `cdf-auth login`: sign in with any flow and cache the result. */
import type { OidcSignIn } from '../../../machines/shared/tokens.js';
import type { IdpPreset } from '../../config/idp-presets.js';
import { describeSettings, type FlowName, presetOf, type Settings } from '../../config/settings.js';
import { loginWithApiKey, loginWithLoginUrl } from '../../drivers/node/legacy.js';
import {
  loginWithAuthorizationCode,
  loginWithClientCredentials,
  loginWithDeviceCode,
  resolveIdp,
} from '../../drivers/node/oidc.js';
import {
  canOpenBrowser,
  headlessOpener,
  type Opener,
  printUrlOpener,
  systemBrowserOpener,
} from '../../drivers/node/opener.js';
import type { FlowTransition } from '../../drivers/node/run-flow.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { createFileTokenStore, type TokenStore } from '../../stores/file-token-store.js';
import { type CommandContext, fromEnv, pairsOf, seconds, text } from '../context.js';
import { UsageError } from '../exit-codes.js';
import { savable, saveProfile } from '../profiles.js';
import { progressReporter } from '../progress.js';
import { settingsOf } from '../settings-of.js';

/** The app's own query parameters for the login-URL redirect, from `--redirect-param name=value`. */
const redirectParams = (ctx: CommandContext) => pairsOf(ctx, 'redirect-param', '--redirect-param');

/**
 * The flow when none is named, as azure-identity's DefaultAzureCredential chooses: a client secret means
 * a service (client credentials); an IdP means a person, by code + PKCE where a browser can open on this
 * machine, by device code where none can (an SSH session, no display). Otherwise one error lists what
 * was looked for.
 */
function chosenFlow(ctx: CommandContext, settings: Settings): FlowName {
  if (settings.flow) return settings.flow.value;
  if (settings.clientSecretEnv) return 'client-credentials';
  if (settings.issuer || settings.provider || settings.tenant) {
    if (ctx.flags.headless) return 'code';
    return canOpenBrowser(ctx.env) ? 'code' : 'device';
  }
  throw new UsageError(
    'Say how to sign in. Looked for: --flow (or LOGIN_FLOW); a client secret for a service (--client-secret-env or ' +
      'IDP_CLIENT_SECRET); an IdP for a person (--issuer, --provider, --tenant, IDP_TENANT_ID or IDP_TOKEN_URL). ' +
      'Found none. Flows: code, device, client-credentials, login-url, api-key.',
  );
}

export async function login(ctx: CommandContext): Promise<void> {
  const settings = await settingsOf(ctx, { newProfileAllowed: true });
  if (ctx.flags.verbose === true) for (const line of describeSettings(settings)) ctx.err(`${line}\n`);
  const flow = chosenFlow(ctx, settings);
  const baseUrl = settings.baseUrl?.value;
  if (!baseUrl) throw new UsageError('Name the cluster: --cluster NAME or --base-url URL (or CDF_CLUSTER / CDF_URL).');
  const store = ctx.store ?? createFileTokenStore();
  // A cache that cannot take the result fails now, not after the person has signed in.
  await store.assertWritable({ baseUrl, project: settings.project?.value ?? '' });
  const timeoutMs = seconds(ctx, 'timeout');
  // --timeout bounds the whole sign-in, whichever flow: its end reads as `timeout`, Ctrl-C as `cancelled`.
  const deadline = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
  const signal = deadline ? AbortSignal.any([ctx.signal, deadline]) : ctx.signal;
  const progress = progressReporter({ verbose: ctx.flags.verbose === true });
  const common = { baseUrl, signal, onTransition: progress.onTransition };
  try {
    await signInWith(ctx, flow, settings, store, common, timeoutMs);
    const profile = text(ctx, 'profile');
    if (profile) await saveProfile(ctx, profile, savable({ ...settings, flow: { value: flow, from: 'login' } }));
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
  flow: FlowName,
  settings: Settings,
  store: TokenStore,
  common: { baseUrl: string; signal: AbortSignal; onTransition: (t: FlowTransition) => void },
  timeoutMs: number | undefined,
): Promise<void> {
  const { baseUrl } = common;
  if (flow === 'login-url') {
    const project = settings.project?.value;
    if (!project) throw new UsageError('The login-URL flow needs the project: --project or CDF_PROJECT.');
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
    const project = settings.project?.value;
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
  await loginOidc(ctx, flow, settings, store, common, timeoutMs);
}

async function loginOidc(
  ctx: CommandContext,
  flow: 'code' | 'device' | 'client-credentials',
  settings: Settings,
  store: TokenStore,
  common: { baseUrl: string; signal: AbortSignal; onTransition: (t: FlowTransition) => void },
  timeoutMs: number | undefined,
): Promise<void> {
  const idp = idpOf(settings);
  const clientId = settings.clientId?.value;
  if (!clientId) throw new UsageError('Name the app: --client-id or IDP_CLIENT_ID.');
  const project = settings.project?.value;
  const scope = settings.scope?.value;
  const base = { ...common, idp, clientId, ...(project ? { project } : {}), ...(scope ? { scope } : {}) };
  const resource = text(ctx, 'resource');
  let secretEnv: string | undefined;
  let signIn: OidcSignIn | (Omit<OidcSignIn, 'claims'> & { claims: null });
  if (flow === 'client-credentials') {
    const secret = secretFrom(ctx, settings);
    secretEnv = secret.name;
    const result = await loginWithClientCredentials({
      ...base,
      clientSecret: secret.value,
      ...(resource ? { resource } : {}),
    });
    signIn = { ...result, claims: null };
  } else if (flow === 'code') {
    const opener: Opener = ctx.flags.headless
      ? headlessOpener()
      : ctx.flags['no-browser']
        ? printUrlOpener(ctx.err)
        : systemBrowserOpener(ctx.env);
    signIn = await loginWithAuthorizationCode({
      ...base,
      opener,
      ...(timeoutMs ? { timeouts: { callbackMs: timeoutMs } } : {}),
    });
  } else {
    if (!idp.deviceFlow) throw new UsageError(`${idp.provider} has no device flow; use --flow code.`);
    signIn = await loginWithDeviceCode({
      ...base,
      onUserCode: (info) =>
        ctx.err(
          `To sign in, open ${info.verificationUri} and enter the code ${info.userCode}\n${
            info.verificationUriComplete ? `(or open ${info.verificationUriComplete})\n` : ''
          }`,
        ),
    });
  }
  const resolved = resolveIdp(base, flow === 'client-credentials' ? 'service' : 'user');
  await store.write({
    v: 1,
    kind: 'oidc',
    flow,
    baseUrl: common.baseUrl,
    project: project ?? '',
    user: signIn.inspection.subject,
    issuer: resolved.issuer,
    clientId,
    scope: resolved.scope,
    ...(secretEnv ? { clientSecretEnv: secretEnv } : {}),
    ...(resource ? { resource } : {}),
    ...(Object.keys(resolved.tokenParams).length > 0 ? { tokenParams: resolved.tokenParams } : {}),
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

/** The IdP of the settings: a preset (`--provider`, `--tenant`), or the `--issuer` with CDF's default scopes. */
function idpOf(settings: Settings): IdpPreset {
  let idp: IdpPreset | undefined;
  try {
    idp = presetOf(settings);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (!idp) {
    throw new UsageError(
      'Name the IdP: --issuer URL, or --provider entra with --tenant (or IDP_TENANT_ID, IDP_TOKEN_URL).',
    );
  }
  return idp;
}

/** The client secret from the variable the settings name (`--client-secret-env`, or IDP_CLIENT_SECRET itself). */
function secretFrom(ctx: CommandContext, settings: Settings): { name: string; value: string } {
  const name = settings.clientSecretEnv?.value;
  if (!name) throw new UsageError('Client credentials need the secret: --client-secret-env VAR, or IDP_CLIENT_SECRET.');
  if (settings.clientSecretEnv?.from === '--client-secret-env') return fromEnv(ctx, 'client-secret-env');
  const value = ctx.env[name];
  if (!value) throw new UsageError(`The variable ${name} is not set or is empty.`);
  return { name, value };
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
