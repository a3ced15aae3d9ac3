/** `cdf-auth login`: sign in with any flow and cache the result. */
import type { InspectionEvent } from 'xstate';
import type { OidcSignIn } from '../../../machines/shared/tokens.js';
import { type IdpPreset, idpName } from '../../config/idp-presets.js';
import {
  describeSettings,
  FLOW_NAMES,
  type FlowName,
  type OidcFlowName,
  presetOf,
  type Settings,
} from '../../config/settings.js';
import { loginWithApiKey, loginWithLoginUrl } from '../../drivers/node/legacy.js';
import { loopbackTarget } from '../../drivers/node/loopback.js';
import {
  type AuthorizationCodeFlowOptions,
  loginWithAuthorizationCode,
  loginWithClientCredentials,
  loginWithDeviceCode,
  type WithIdp,
} from '../../drivers/node/oidc.js';
import {
  browserHere,
  headlessOpener,
  type Opener,
  printUrlOpener,
  systemBrowserOpener,
} from '../../drivers/node/opener.js';
import type { FlowTransition } from '../../drivers/node/run-flow.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { createCdfClient } from '../../protocol/cdf.js';
import { type OrganizationProject, organizationProjects } from '../../protocol/cognite-idp.js';
import { createFileTokenStore, type TokenStore } from '../../stores/file-token-store.js';
import { type CommandContext, fromEnv, pairsOf, seconds, text } from '../context.js';
import { UsageError } from '../exit-codes.js';
import { connectInspector } from '../inspect-url.js';
import { savable, saveProfile } from '../profiles.js';
import { progressReporter } from '../progress.js';
import { saveEnv } from '../save-env.js';
import { settingsOf } from '../settings-of.js';
import { openTraceFile } from '../trace-file.js';

/**
 * How the person is sent to sign in: `--headless` (the emulator), `--no-browser` (the URL printed), or the
 * system browser, with the URL printed too in case it did not open, and what the CLI waits for (gh, az).
 */
function openerOf(ctx: CommandContext): Opener {
  if (ctx.flags.headless) return headlessOpener();
  if (ctx.flags['no-browser']) return printUrlOpener(ctx.err);
  const browser = systemBrowserOpener(ctx.env);
  return async (url, options) => {
    ctx.err(
      `If no browser opened, open this URL to sign in:\n${url}\nWaiting for the sign-in to come back to this machine (Ctrl-C to stop)…\n`,
    );
    await browser(url, options);
  };
}

/** The app's own query parameters for the login-URL redirect, from `--redirect-param name=value`. */
const redirectParams = (ctx: CommandContext) => pairsOf(ctx, 'redirect-param', '--redirect-param');

/**
 * The flow when none is named, as azure-identity's DefaultAzureCredential chooses: a client secret means
 * a service (client-credentials); an IdP means a person, by authorization-code (+ PKCE) where a browser
 * can open on this machine, by device-code where none can (an SSH session, no display). Otherwise one
 * error lists what was looked for.
 */
function chosenFlow(ctx: CommandContext, settings: Settings): { flow: FlowName; why?: string } {
  if (settings.flow) return { flow: settings.flow.value };
  // An organization is where a person signs in to Cognite IdP, even beside a service's secret in the .env.
  if (settings.org && settings.provider?.value === 'cogidp') {
    return { flow: 'authorization-code', why: `a person signs in to the organization (${settings.org.from})` };
  }
  if (settings.clientSecretEnv) {
    return { flow: 'client-credentials', why: `a client secret is set (${settings.clientSecretEnv.from})` };
  }
  if (settings.issuer || settings.provider || settings.tenant || settings.tokenUrl) {
    if (ctx.flags.headless) return { flow: 'authorization-code', why: '--headless' };
    // Cognite IdP has no device flow: a person signs in through the browser wherever they are.
    if (settings.provider?.value === 'cogidp') {
      return { flow: 'authorization-code', why: 'Cognite IdP has no device flow' };
    }
    const browser = browserHere(ctx.env);
    return browser.canOpen
      ? { flow: 'authorization-code', why: `a browser can open here (${browser.why})` }
      : { flow: 'device-code', why: `no browser can open here (${browser.why}): the code is entered anywhere` };
  }
  throw new UsageError(
    'Say how to sign in. Looked for: --flow (or LOGIN_FLOW); a client secret for a service (--client-secret-env or ' +
      'IDP_CLIENT_SECRET); an IdP for a person (--issuer, --provider, --tenant, IDP_TENANT_ID or IDP_TOKEN_URL). ' +
      `Found none. Flows: ${FLOW_NAMES.join(', ')}.`,
  );
}

export async function login(ctx: CommandContext): Promise<void> {
  const settings = await settingsOf(ctx, { newProfileAllowed: true });
  if (ctx.flags.verbose === true) for (const line of describeSettings(settings)) ctx.err(`${line}\n`);
  const { flow, why } = chosenFlow(ctx, settings);
  if (ctx.flags.verbose === true && why) ctx.err(`flow: ${flow} (chosen: ${why})\n`);
  // A Cognite IdP person picks the project, and with it the cluster, after signing in.
  const picksCluster = flow === 'authorization-code' && settings.provider?.value === 'cogidp';
  const baseUrl = settings.baseUrl?.value ?? '';
  if (!baseUrl && !picksCluster) {
    throw new UsageError('Name the cluster: --cluster NAME or --base-url URL (or CDF_CLUSTER / CDF_URL).');
  }
  const store = ctx.store ?? createFileTokenStore();
  // A cache that cannot take the result fails now, not after the person has signed in.
  if (baseUrl) await store.assertWritable({ baseUrl, project: settings.project?.value ?? '' });
  const timeoutMs = seconds(ctx, 'timeout');
  // --timeout bounds the whole sign-in, whichever flow: its end reads as `timeout`, Ctrl-C as `cancelled`.
  const deadline = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
  const signal = deadline ? AbortSignal.any([ctx.signal, deadline]) : ctx.signal;
  const progress = progressReporter({ verbose: ctx.flags.verbose === true });
  const tracePath = text(ctx, 'trace');
  const inspectUrl = text(ctx, 'inspect');
  const traced = tracePath ? openTraceFile(tracePath) : undefined;
  const inspector = inspectUrl ? await connectInspector(inspectUrl) : undefined;
  const observers = [traced?.inspect, inspector?.inspect].filter((o) => o !== undefined);
  const inspect = (event: InspectionEvent) => {
    for (const observe of observers) observe(event);
  };
  const common = { baseUrl, signal, onTransition: progress.onTransition, ...(observers.length ? { inspect } : {}) };
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
    traced?.close();
    await inspector?.close(ctx.err);
  }
}

/** What every flow of a login takes: the cluster, the command's signal, progress, and `--trace`'s inspect. */
type Common = {
  baseUrl: string;
  signal: AbortSignal;
  onTransition: (t: FlowTransition) => void;
  inspect?: (event: InspectionEvent) => void;
};

async function signInWith(
  ctx: CommandContext,
  flow: FlowName,
  settings: Settings,
  store: TokenStore,
  common: Common,
  timeoutMs: number | undefined,
): Promise<void> {
  const { baseUrl } = common;
  if (flow === 'login-url') {
    const project = settings.project?.value;
    if (!project) throw new UsageError('The login-URL flow needs the project: --project or CDF_PROJECT.');
    const opener = openerOf(ctx);
    const fragment = text(ctx, 'redirect-fragment');
    const session = await loginWithLoginUrl({
      ...common,
      project,
      opener,
      redirectParams: redirectParams(ctx),
      ...(fragment ? { redirectFragment: fragment.replace(/^#/, '') } : {}),
      ...(timeoutMs ? { totalTimeoutMs: timeoutMs } : {}),
    });
    await store.write({ ...session, v: 1, kind: 'login-url', baseUrl });
    report(ctx, {
      user: session.user,
      project: session.project,
      projectId: session.projectId,
      expiresAt: session.expiresAt,
    });
    return;
  }
  if (flow === 'token') {
    await loginWithToken(ctx, settings, store, common);
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

/**
 * `LOGIN_FLOW=token`: a bearer token obtained elsewhere, read from its variable (`CDF_TOKEN`), checked at
 * CDF's token/inspect; the login remembers the variable's name, never the token.
 */
async function loginWithToken(
  ctx: CommandContext,
  settings: Settings,
  store: TokenStore,
  common: { baseUrl: string; signal: AbortSignal },
): Promise<void> {
  const variable = settings.tokenEnv?.value ?? 'CDF_TOKEN';
  const accessToken = ctx.env[variable];
  if (!accessToken)
    throw new UsageError(`The token flow reads the token from ${variable}, which is not set or is empty.`);
  const inspection = await createCdfClient({ baseUrl: common.baseUrl }).inspectToken(accessToken, {
    signal: common.signal,
  });
  const project = settings.project?.value ?? '';
  const projects = inspection.projects.map((p) => p.projectUrlName);
  if (project && !projects.includes(project)) {
    throw new AuthFlowError({
      code: 'projectMismatch',
      message: `CDF accepts the token in ${variable}, but not for project ${project} (it reaches: ${projects.join(', ') || 'none'}).`,
    });
  }
  await store.write({
    v: 1,
    kind: 'token',
    baseUrl: common.baseUrl,
    project,
    user: inspection.subject,
    tokenEnv: variable,
  });
  report(ctx, { user: inspection.subject, project: project || projects.join(', '), projectId: -1, expiresAt: null });
}

/** The options of an OIDC flow that the settings give beyond the IdP and client: resource, redirect, client auth. */
function oidcExtras(settings: Settings) {
  // `--redirect-uri A,B`: registered URIs tried in order until one's port is free.
  const redirectUris = settings.redirectUri?.value.split(',').filter(Boolean) ?? [];
  for (const uri of redirectUris) {
    try {
      loopbackTarget(uri);
    } catch (error) {
      throw new UsageError(`${settings.redirectUri?.from}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const clientAuth = settings.clientAuth?.value;
  return {
    ...(settings.resource ? { resource: settings.resource.value } : {}),
    ...(redirectUris.length > 0 ? { redirectUri: redirectUris } : {}),
    ...(clientAuth ? { oidc: { clientAuth } } : {}),
  };
}

async function loginOidc(
  ctx: CommandContext,
  flow: OidcFlowName,
  settings: Settings,
  store: TokenStore,
  common: Common,
  timeoutMs: number | undefined,
): Promise<void> {
  const idp = idpOf(settings);
  const clientId = settings.clientId?.value;
  if (!clientId) throw new UsageError('Name the app: --client-id or IDP_CLIENT_ID.');
  let project = settings.project?.value;
  const scope = settings.scope?.value;
  const extras = oidcExtras(settings);
  let where = { baseUrl: common.baseUrl, project: project ?? '' };
  const picks = idp.provider === 'cogidp' && flow === 'authorization-code';
  if (picks && !settings.org) throw new UsageError('Cognite IdP needs the organization: --org ORG (or CDF_ORG).');
  // A choice the person must make (which project) ends the flow as projectMismatch; it is reported as usage.
  let choiceNeeded: UsageError | undefined;
  const picker = picks
    ? {
        pickProject: async (accessToken: string, signal?: AbortSignal) => {
          try {
            where = await pickOrganizationProject(ctx, idp, settings, accessToken, signal);
          } catch (error) {
            if (!(error instanceof UsageError)) throw error;
            choiceNeeded = error;
            throw new AuthFlowError({ code: 'projectMismatch', message: error.message });
          }
          project = where.project;
          return where;
        },
      }
    : {};
  const base = {
    ...common,
    idp,
    clientId,
    ...(project ? { project } : {}),
    ...(scope ? { scope } : {}),
    ...extras,
    ...picker,
  };
  const { signIn, secretEnv } = await signInByFlow(ctx, flow, settings, idp, base, timeoutMs).catch(
    (error: unknown) => {
      throw choiceNeeded ?? error;
    },
  );
  // The IdP as the sign-in resolved it: the cache renews with exactly this.
  const resolved = signIn.idp;
  await store.write({
    v: 1,
    kind: 'oidc',
    flow,
    baseUrl: where.baseUrl,
    project: where.project,
    user: signIn.inspection.subject,
    issuer: resolved.issuer,
    clientId,
    scope: resolved.scope,
    ...(secretEnv ? { clientSecretEnv: secretEnv } : {}),
    // Where the secret came from, so that a renewal in another shell finds it again.
    ...(secretEnv && ctx.envFile?.names.includes(secretEnv) ? { clientSecretEnvFile: ctx.envFile.path } : {}),
    ...(extras.resource ? { resource: extras.resource } : {}),
    ...(extras.oidc ? { clientAuth: extras.oidc.clientAuth } : {}),
    ...(idp.tokenEndpoint ? { tokenEndpoint: idp.tokenEndpoint } : {}),
    provider: idp.provider,
    ...(Object.keys(resolved.tokenParams).length > 0 ? { tokenParams: resolved.tokenParams } : {}),
    tokens: signIn.tokens,
    claims: signIn.claims,
  });
  if (ctx.flags['save-env'] === true) await saveEnv(ctx, settings, where);
  report(ctx, {
    user: signIn.inspection.subject,
    project: where.project || signIn.inspection.projects.join(', '),
    projectId: -1,
    expiresAt: signIn.tokens.expiresAt,
  });
}

/** Runs the OIDC flow of the CLI's choice; a client secret is read only for client credentials. */
async function signInByFlow(
  ctx: CommandContext,
  flow: OidcFlowName,
  settings: Settings,
  idp: IdpPreset,
  base: Omit<AuthorizationCodeFlowOptions, 'opener'>,
  timeoutMs: number | undefined,
): Promise<{ signIn: WithIdp<OidcSignIn | (Omit<OidcSignIn, 'claims'> & { claims: null })>; secretEnv?: string }> {
  if (flow === 'client-credentials') {
    const secret = secretFrom(ctx, settings);
    const result = await loginWithClientCredentials({ ...base, clientSecret: secret.value });
    return { signIn: { ...result, claims: null }, secretEnv: secret.name };
  }
  if (flow === 'authorization-code') {
    const opener = openerOf(ctx);
    const timeouts = timeoutMs ? { totalTimeoutMs: timeoutMs } : {};
    return { signIn: await loginWithAuthorizationCode({ ...base, opener, ...timeouts }) };
  }
  if (!idp.deviceFlow) {
    throw new UsageError(
      `${idpName(idp.provider)} has no device flow; use --flow authorization-code (LOGIN_FLOW=interactive).`,
    );
  }
  const onUserCode = (info: { userCode: string; verificationUri: string; verificationUriComplete?: string }) =>
    ctx.err(
      `To sign in, open ${info.verificationUri} and enter the code ${info.userCode}\n${
        info.verificationUriComplete ? `(or open ${info.verificationUriComplete})\n` : ''
      }`,
    );
  return { signIn: await loginWithDeviceCode({ ...base, onUserCode }) };
}

/**
 * The project of a Cognite IdP sign-in, from the organization's projects: `--project` when named (and
 * listed), the only one, or the person's choice on a terminal; without a terminal, a usage error that
 * lists them. The cluster is the project's `apiUrl`.
 */
async function pickOrganizationProject(
  ctx: CommandContext,
  idp: IdpPreset,
  settings: Settings,
  accessToken: string,
  signal?: AbortSignal,
): Promise<{ baseUrl: string; project: string }> {
  const org = settings.org?.value ?? '';
  const projects = await organizationProjects({ issuer: idp.issuer, org, accessToken }, signal ? { signal } : {});
  const named = settings.project?.value;
  const listed = projects.map((p) => p.name).join(', ') || 'none';
  const found = named ? projects.find((p) => p.name === named) : projects.length === 1 ? projects[0] : undefined;
  if (named && !found) throw new UsageError(`Organization ${org} has no project ${named} for you; it has: ${listed}.`);
  const chosen = found ?? (await askProject(ctx, org, projects));
  return { baseUrl: new URL(chosen.apiUrl).origin, project: chosen.name };
}

/** Asks which project, on a terminal; without one, says how to name it. */
async function askProject(
  ctx: CommandContext,
  org: string,
  projects: readonly OrganizationProject[],
): Promise<OrganizationProject> {
  if (projects.length === 0) throw new UsageError(`Organization ${org} has no project you can use.`);
  const listed = projects.map((p) => p.name).join(', ');
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UsageError(`Organization ${org} has several projects (${listed}): name one with --project.`);
  }
  const { createInterface } = await import('node:readline/promises');
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    ctx.err(
      `Projects of ${org}:\n${projects.map((p, i) => `  ${i + 1}. ${p.name} (${new URL(p.apiUrl).host})`).join('\n')}\n`,
    );
    for (;;) {
      const answer = (await terminal.question('Which project? ', { signal: ctx.signal })).trim();
      const chosen = projects[Number(answer) - 1] ?? projects.find((p) => p.name === answer);
      if (chosen) return chosen;
      ctx.err(`Type a number from 1 to ${projects.length}, or a name.\n`);
    }
  } catch (error) {
    if (ctx.signal.aborted)
      throw new AuthFlowError({ code: 'cancelled', message: 'The choice of project was cancelled.' });
    throw error;
  } finally {
    terminal.close();
  }
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
    // The numeric project id is known to the legacy ways in only; an OIDC login has none to print.
    const { projectId, ...rest } = who;
    const expiresAt = who.expiresAt && new Date(who.expiresAt).toISOString();
    ctx.out(`${JSON.stringify({ loggedIn: true, ...rest, ...(projectId >= 0 ? { projectId } : {}), expiresAt })}\n`);
    return;
  }
  const until = who.expiresAt ? ` until ${new Date(who.expiresAt).toISOString()}` : '';
  ctx.out(`Signed in as ${who.user} to project ${who.project}${until}.\n`);
}
