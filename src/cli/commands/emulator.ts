/**
 * `cdf-auth emulator`: the local CDF and its IdP, kept running until Ctrl-C. `--profile entra|auth0|generic`
 * picks how strict the IdP is; `--port`, `--idp-port` and `--seed` make every URL, id and secret stable,
 * so that a second terminal (or a test) can use what `--json` printed.
 */
import { format } from 'node:util';
import type { Emulator, IdpProfileName } from '../../emulator/index.js';
import { type CommandContext, text } from '../context.js';
import { ExitCode, UsageError } from '../exit-codes.js';

const PROFILES: readonly IdpProfileName[] = ['generic', 'entra', 'auth0', 'cogidp'];

const portOf = (ctx: CommandContext, flag: string): number => {
  const value = text(ctx, flag);
  if (value === undefined) return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--${flag} takes a port number.`);
  return port;
};

/** The IdP options of `cdf-auth login` that reach this emulator's IdP. */
function idpFlags(emulator: Emulator): string {
  if (emulator.profile === 'entra') {
    return `--provider entra --authority ${emulator.idpOrigin} --tenant ${emulator.tenantId}`;
  }
  if (emulator.profile === 'auth0')
    return `--provider auth0 --issuer ${emulator.issuer} --audience ${emulator.baseUrl}`;
  if (emulator.profile === 'cogidp') return `--provider cdf --issuer ${emulator.issuer}`;
  return `--issuer ${emulator.issuer}`;
}

/** The redirect a person's sign-in must use: the registered one where the IdP compares exactly. */
function redirectFlag(emulator: Emulator): string {
  // Cognite IdP's registered list is the preset's default; other exact IdPs need theirs named.
  if (!emulator.cliRedirect.exact || emulator.profile === 'cogidp') return '';
  return ` --redirect-uri ${emulator.cliRedirect.uris[0] ?? ''}`;
}

/** Commands to try against this emulator, in a second terminal. */
function commandsToTry(emulator: Emulator, interactive: boolean): string[] {
  // A person signs in at the interactive IdP's page: the browser opens (or --no-browser prints the URL).
  const headless = interactive ? '' : ' --headless';
  const base = `--base-url ${emulator.baseUrl} --project demo`;
  const idp = idpFlags(emulator);
  const person =
    emulator.profile === 'cogidp'
      ? // The cluster comes from the organization's project.
        [
          `cdf-auth login --project demo ${idp} --org ${emulator.organization} --client-id ${emulator.clients.cli} --flow authorization-code${headless}`,
        ]
      : [
          `cdf-auth login ${base} ${idp} --client-id ${emulator.clients.cli} --flow authorization-code${headless}${redirectFlag(emulator)}`,
          `cdf-auth login ${base} ${idp} --client-id ${emulator.clients.cli} --flow device-code`,
        ];
  return [
    ...person,
    `IDP_CLIENT_SECRET=${emulator.clients.service.secret} cdf-auth login ${base} ${idp} --client-id ${emulator.clients.service.id}`,
    `CDF_API_KEY=${emulator.apiKeys[0]?.key ?? ''} cdf-auth login ${base} --flow api-key --api-key-env CDF_API_KEY`,
    // CDF's legacy login signs in at the project's own IdP, never at Cognite IdP (which wants an organization).
    ...(emulator.profile === 'cogidp' ? [] : [`cdf-auth login ${base} --flow login-url${headless}`]),
    'cdf-auth status',
    'cdf-auth api /api/v1/projects/demo/assets',
  ];
}

/** What `--json` prints: every id, secret, user and key of the emulator, and the commands to try. */
function described(emulator: Emulator, interactive: boolean) {
  return {
    profile: emulator.profile,
    baseUrl: emulator.baseUrl,
    issuer: emulator.issuer,
    idpOrigin: emulator.idpOrigin,
    tenantId: emulator.tenantId,
    organization: emulator.organization,
    cliRedirect: emulator.cliRedirect,
    clients: emulator.clients,
    projects: emulator.projects.map((p) => ({ urlName: p.urlName, hasIdp: p.hasIdp })),
    users: emulator.users.map((u) => u.id),
    apiKeys: emulator.apiKeys.map((k) => ({ key: k.key, project: k.project, serviceAccount: k.serviceAccount })),
    try: commandsToTry(emulator, interactive),
  };
}

/** Sends `console.log` and `console.info` (oidc-provider's notices) to stderr for the rest of the process. */
function keepStdoutForJson(): void {
  const toStderr = (...args: unknown[]) => void process.stderr.write(`${format(...args)}\n`);
  console.log = toStderr;
  console.info = toStderr;
}

export async function emulator(ctx: CommandContext): Promise<number> {
  const profile = (text(ctx, 'profile') ?? 'generic') as IdpProfileName;
  if (!PROFILES.includes(profile)) throw new UsageError(`--profile is ${PROFILES.join(', ')}.`);
  const seed = text(ctx, 'seed');
  // stdout carries what this command prints (JSON with --json); a library's notices go to stderr.
  if (ctx.flags.json) keepStdoutForJson();
  const { startEmulator } = await import('../../emulator/index.js');
  const running = await startEmulator({
    profile,
    port: portOf(ctx, 'port'),
    idpPort: portOf(ctx, 'idp-port'),
    headless: ctx.flags.interactive !== true,
    ...(seed ? { seed } : {}),
  });
  const interactive = ctx.flags.interactive === true;
  if (ctx.flags.json) ctx.out(`${JSON.stringify(described(running, interactive))}\n`);
  else {
    ctx.out(`CDF ${running.baseUrl}, IdP ${running.issuer} (${running.profile}). Try, in another terminal:\n`);
    for (const command of commandsToTry(running, interactive)) ctx.out(`  ${command}\n`);
  }
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await running.close();
  return ExitCode.ok;
}
