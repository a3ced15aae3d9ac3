/**
 * `cdf-auth`: sign in to CDF from a terminal, print tokens for scripts, draw the flows.
 * Exit codes: 0 ok, 1 internal error, 2 usage, 3 authentication failed, 4 network or server trouble,
 * 130 cancelled.
 */
import { parseArgs } from 'node:util';
import leven from 'leven';
import { isAuthFlowError, whereItFailed, whereOf } from '../errors/auth-flow-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument.js';
import { redactText } from '../protocol/redact.js';
import { VERSION } from '../protocol/version.js';
import type { CommandContext } from './context.js';
import { ExitCode, exitCodeOf, UsageError } from './exit-codes.js';

const HELP: Record<string, string> = {
  '': `cdf-auth ${VERSION}: sign in to Cognite Data Fusion

Usage: cdf-auth <command> [options]

Commands:
  demo                 run every flow against a local emulator and a real OIDC provider
  emulator             a local CDF and IdP (--profile generic|entra|auth0|cogidp), kept running
  login                sign in and cache the result: --flow authorization-code | device-code |
                       client-credentials (OpenID Connect), token (a bearer from CDF_TOKEN), or
                       login-url | api-key (legacy); picks one when not named
  token                print the cached access token (for curl -H "Authorization: Bearer ...")
  status               who the cached login is, its IdP, expiry, scopes and projects (like cdf auth verify)
  api PATH             one authenticated request to the cluster, JSON out (like gh api)
  logout               revoke at the IdP where it can (or end the legacy session at CDF), delete the login
  logins               list the cached logins
  switch               make a cached login the current one (--project P, --base-url URL)
  profiles             list the saved profiles
  diagram <machine>    print a machine as mermaid, dot, svg, json or xstate (Stately Studio imports it)
  trace FILE           read back a login --trace file: a timeline, or the path drawn on the diagram

Every command takes --json: results, and failures as {"error":{"code","message"}}, on stdout.

Run "cdf-auth <command> --help" for a command's options.
Exit codes: 0 ok, 1 internal error, 2 usage, 3 authentication failed, 4 network/server, 130 cancelled.
`,
  demo: `Usage: cdf-auth demo [--serve [--port N]]

Starts the emulator and its IdP on 127.0.0.1, signs in through the login-URL flow, with an API key, with
code + PKCE, with the device code and with client credentials, prints every state each machine passes
through (no token is printed), refreshes through the session, and prints a summary.

  --serve    instead, keep the emulator up with a sign-in page for a person, and serve the live
             statechart page (its URL is printed); everything on 127.0.0.1
  --port N   the live page's port (default: a free one)
`,
  emulator: `Usage: cdf-auth emulator [--profile generic|entra|auth0|cogidp] [--port N] [--idp-port N] [--seed S] [--json]

Runs a local CDF and its IdP (oidc-provider) on 127.0.0.1 until Ctrl-C, and prints commands to try.

  --profile P     how the IdP behaves: generic (default), entra (Entra ID v2: tenant paths, a token for
                  CDF only with the cluster's scope, AADSTS errors, any port of a localhost redirect, ...),
                  auth0 (a JWT only with audience; only the redirect http://localhost:53000) or cogidp
                  (Cognite IdP: organization_hint, the Toolkit's redirects http://localhost:3000/ and
                  3100-3110 exactly, the organization's projects, client credentials without scope)
  --port N        port of the CDF API (default: a free one)
  --idp-port N    port of the IdP (default: a free one)
  --seed S        the same tenant id, client secret and API key on every start
  --json          print every URL, client id, secret, user and API key, and the commands, as JSON
  --interactive   show a sign-in page at the IdP instead of approving headlessly
`,
  login: `Usage: cdf-auth login [--cluster NAME | --base-url URL] [--project P] [IdP options] [--flow F]

Without --flow: a client secret (--client-secret-env, IDP_CLIENT_SECRET) means client-credentials; an
IdP (--issuer, --provider, --tenant) means a person: authorization-code where a browser can open here,
device-code over SSH or without a display. Flags win over the environment (CDF_*, IDP_*, LOGIN_FLOW,
PROVIDER), the environment over --profile; --verbose prints where each setting came from.

Flows (--flow and LOGIN_FLOW also take the Cognite Toolkit's interactive, device_code, client_credentials):
  --flow authorization-code   OpenID Connect code + PKCE: the system browser, a 127.0.0.1 loopback redirect
  --flow device-code          OpenID Connect device code: prints a URL and a code to enter anywhere
  --flow client-credentials   a service token (the replacement for API keys)
  --flow token                a bearer token obtained elsewhere, read from CDF_TOKEN (or --token-env VAR)
  --flow login-url            legacy: sign a person in through CDF's login URL
  --flow api-key              legacy: verify an API key read from the variable named by --api-key-env

The cluster:
  --cluster NAME      https://NAME.cognitedata.com (CDF_CLUSTER); or --base-url URL (CDF_URL)
  --project P         the project's URL name (CDF_PROJECT; required for login-url, checked at token/inspect otherwise)
The IdP:
  --provider P        entra, auth0, cognito, okta, keycloak, cogidp or oidc (PROVIDER: entra_id, auth0,
                      cdf = Cognite IdP, other; --tenant alone means entra)
  --org ORG           the Cognite IdP organization a person signs in to (CDF_ORG); the project is then
                      picked from its projects (--project, or asked on a terminal) with its cluster
  --tenant T          the Entra ID tenant: id, domain, organizations or common (IDP_TENANT_ID, IDP_TOKEN_URL)
  --authority URL     the Entra login host, for national clouds or the emulator (default https://login.microsoftonline.com)
  --issuer URL        the IdP's issuer (every other IdP; IDP_DISCOVERY_URL, IDP_AUTHORITY_URL)
  --token-url URL     a token endpoint to use without discovery (IDP_TOKEN_URL of a non-Entra IdP):
                      client credentials only
  --audience A        the API audience (Auth0; IDP_AUDIENCE)
  --client-id ID      the app's client id at the IdP (IDP_CLIENT_ID)
  --scope S           scopes, space- or comma-separated (IDP_SCOPES; default: the preset's, else
                      {cluster}/.default offline_access openid profile, for services {cluster}/.default)
  --client-secret-env VAR   the variable that holds the client secret (default IDP_CLIENT_SECRET when set)
  --client-auth M     how the secret is sent: basic or post (default: what the IdP advertises, basic first)
  --resource URL      an RFC 8707 resource indicator, on the authorization and every token request
                      (not at Entra ID, which refuses it)
  --redirect-uri URL  the loopback redirect URI registered at the IdP, e.g. http://localhost:53000
                      (host localhost, 127.0.0.1 or [::1]; no port: any; several, comma-separated, are
                      tried in order until one's port is free); default: the preset's
                      (Cognite IdP: http://localhost:3000/, then 3100-3110), else 127.0.0.1:any/callback
Legacy:
  --api-key-env VAR   the environment variable that holds the API key (never pass a key as an argument)
  --redirect-param K=V   an extra query parameter on the login-URL redirect (repeatable)
  --redirect-fragment F  a fragment on the login-URL redirect
Where settings come from:
  --env-file FILE     read variables from FILE (set variables win); --dotenv reads ./.env
  --profile NAME      use the saved settings of NAME, and save this login's settings (no secret) under it
  --save-env          write PROVIDER, LOGIN_FLOW, CDF_CLUSTER (or CDF_URL), CDF_PROJECT (and CDF_ORG) to
                      --env-file or ./.env, as the Cognite Toolkit reads them (never a secret)
The sign-in:
  --no-browser        print the login URL instead of opening a browser
  --headless          follow the redirects without a browser (the emulator's headless IdP)
  --timeout S         seconds the whole sign-in may take, in every flow (default: 300 to come back
                      from the browser; each request 15)
  --verbose           print every setting's source and every state transition; on a failure, where
                      it happened (state, event, guard or actor)
  --trace FILE        write every state change as a JSON line to FILE (0600): times, events, guards,
                      a failure's where; names only, never a value (read it with cdf-auth trace FILE)
  --inspect URL       send the flow's inspection events, redacted, to Stately's inspector at a WebSocket
                      URL (ws://localhost:8080; needs the package @statelyai/inspect, docs/guides/seeing-flows.md)
  --json              print the result as JSON
`,
  token: `Usage: cdf-auth token [--base-url URL [--project P]] [--header] [--json] [--env-file FILE]

Prints the cached access token of the current login, or of the one login cached for --base-url (name
--project when there are several), and nothing else. An OpenID Connect token about to expire is
refreshed first (refresh token, or a new client-credentials request), once however many cdf-auth
processes ask at the same time.

--header prints the whole header instead, for every kind of login: "Authorization: Bearer ..." or, for an
API-key login, "api-key: ..." (from its variable), e.g. curl -H "$(cdf-auth token --header)" ...
--json prints {"accessToken", "tokenType", "expiresAt"}.
--env-file FILE reads variables from FILE (a client secret to renew with, a CDF_TOKEN); a login made with
--env-file remembers the file and the variable's name (never the secret) and renews from it.
`,
  status: `Usage: cdf-auth status [--base-url URL | --cluster NAME | --profile NAME] [--project P] [--verbose] [--json]

Like the Cognite Toolkit's "cdf auth verify": who the cached login is (subject), the IdP, the cluster and
project, when the token expires and its scopes, then each project the token reaches with its group and
capability counts (/api/v1/token/inspect); --verbose lists the capabilities. Legacy logins ask
/login/status. Exits 3 when CDF no longer accepts the login.
`,
  api: `Usage: cdf-auth api PATH [-X METHOD] [-f key=value]... [--input FILE] [--base-url URL | --profile NAME]

One authenticated request to the cluster of the cached login, like "gh api"; the JSON answer on stdout.
{project} in PATH is the login's project, e.g. cdf-auth api /api/v1/projects/{project}/assets

  -X METHOD       GET, POST, PUT, PATCH or DELETE (default GET, or POST with a body)
  -f key=value    a query parameter of a GET, else a field of the JSON body (repeatable); on a path
                  that answers only GET (/api/v1/token/inspect, /login/status, /api/v1/projects/P) a query
                  parameter without -X GET
  --input FILE    the JSON body from FILE (- for stdin)
  --verbose       the request line and the answer's status (and x-request-id) on stderr

An OpenID Connect token CDF refuses with 401 is refreshed once and the request retried.
`,
  profiles: `Usage: cdf-auth profiles [--json]

Lists the saved profiles ("cdf-auth login --profile NAME ..." saves one): their settings, and the names
of the variables that hold secrets, never a secret.
`,
  logout: `Usage: cdf-auth logout [--base-url URL [--project P]]

Deletes the cached login (also an unreadable one). First it ends what can be ended elsewhere: an OpenID
Connect login's refresh token is revoked at the IdP (RFC 7009) where the IdP offers revocation (Entra ID
does not: it says so); a login-URL session is ended at CDF (/logout). The local copy goes even when
neither can be reached.
`,
  logins: `Usage: cdf-auth logins [--json]

Lists the cached logins (base URL, project, flow, user; * marks the current one), and token files that
cannot be read. Name one with --base-url and --project in token, status, api and logout, or make it
the current one with "cdf-auth switch".
`,
  switch: `Usage: cdf-auth switch [--project P] [--base-url URL | --cluster NAME | --profile NAME]

Makes a cached login the current one: the one token, status, api and logout use when none is named.
--project alone picks the one cached login of that project, --base-url alone the one of that cluster.
`,
  trace: `Usage: cdf-auth trace FILE [--format text|mermaid|json]

Reads a file written by "cdf-auth login --trace FILE" and prints it as a timeline (text, the default):
each state change with its time since the start, the event and the guard that held, and a failure's
code, message and where. --format mermaid draws the machine's diagram with the path the flow took
marked (visited states, and how it ended); --format json prints the lines as one JSON array.
`,
  diagram: `Usage: cdf-auth diagram <machine> [--format mermaid|dot|svg|json|xstate]

Machines: login-url, api-key, authorization-code, device-code, client-credentials, session.
`,
};

type Command = (ctx: CommandContext) => Promise<number>;

/** The flags every command takes. */
const COMMON_FLAGS = ['help', 'version', 'json', 'verbose', 'env-file', 'dotenv', 'profile'];
/** The flags that name a cached login. */
const LOGIN_CHOICE = ['base-url', 'cluster', 'project'];

/** Each command's own flags: any other flag is a usage error, never silently ignored. */
const COMMAND_FLAGS: Readonly<Record<string, readonly string[]>> = {
  demo: ['serve', 'port'],
  emulator: ['profile', 'port', 'idp-port', 'seed', 'interactive'],
  login: [
    ...LOGIN_CHOICE,
    'flow',
    'provider',
    'tenant',
    'authority',
    'issuer',
    'audience',
    'client-id',
    'scope',
    'client-secret-env',
    'resource',
    'api-key-env',
    'redirect-param',
    'redirect-fragment',
    'no-browser',
    'headless',
    'timeout',
    'org',
    'token-url',
    'redirect-uri',
    'client-auth',
    'token-env',
    'save-env',
    'trace',
    'inspect',
  ],
  token: [...LOGIN_CHOICE, 'header'],
  status: LOGIN_CHOICE,
  api: [...LOGIN_CHOICE, 'method', 'field', 'input'],
  logout: LOGIN_CHOICE,
  logins: [],
  switch: LOGIN_CHOICE,
  profiles: [],
  diagram: ['format'],
  trace: ['format'],
};

/** The name a person typed for a parsed option (`-X` is `method`, `-f` is `field`). */
const SHORT: Readonly<Record<string, string>> = { method: '-X', field: '-f', help: '-h', verbose: '-v' };

/** What a person reads for a command line that does not parse: the option, a near one, the command's help. */
function parseFailure(argv: readonly string[], message: string): string {
  const command = argv.find((arg) => !arg.startsWith('-')) ?? '';
  const help = (Object.hasOwn(HELP, command) && HELP[command]) || HELP[''] || '';
  const unknown = /Unknown option '(-{1,2}[^'=]+)/.exec(message)?.[1];
  if (!unknown) return `cdf-auth: ${message}\n${help}`;
  const own = [...COMMON_FLAGS, ...(COMMAND_FLAGS[command] ?? Object.values(COMMAND_FLAGS).flat())];
  const near = own.find((flag) => leven(unknown.replace(/^-+/, ''), flag) <= 2);
  return `cdf-auth: Unknown option ${unknown}.${near ? ` Did you mean --${near}?` : ''}\n${help}`;
}

/** Refuses a flag that the command does not take, naming the command's own. */
function checkFlags(command: string, flags: Readonly<Record<string, unknown>>): void {
  const own = COMMAND_FLAGS[command];
  if (!own) return;
  const stray = Object.keys(flags).filter((flag) => !COMMON_FLAGS.includes(flag) && !own.includes(flag));
  if (stray.length === 0) return;
  const name = (flag: string) => (SHORT[flag] ? `${SHORT[flag]}/--${flag}` : `--${flag}`);
  throw new UsageError(
    `cdf-auth ${command} does not take ${stray.map(name).join(', ')}; its options: ${own.map(name).join(' ') || '(only the common ones)'}.`,
  );
}

/** Each command is loaded when it runs: `cdf-auth token` never loads the emulator and its Koa stack. */
const done =
  (command: (ctx: CommandContext) => Promise<void>): Command =>
  async (ctx) => {
    await command(ctx);
    return ExitCode.ok;
  };
const COMMANDS: Record<string, Command> = {
  demo: async (ctx) => (await import('./commands/demo.js')).demo(ctx),
  emulator: async (ctx) => (await import('./commands/emulator.js')).emulator(ctx),
  login: done(async (ctx) => (await import('./commands/login.js')).login(ctx)),
  token: done(async (ctx) => (await import('./commands/token.js')).token(ctx)),
  status: done(async (ctx) => (await import('./commands/status.js')).status(ctx)),
  logout: done(async (ctx) => (await import('./commands/logout.js')).logout(ctx)),
  logins: done(async (ctx) => (await import('./commands/logins.js')).logins(ctx)),
  switch: done(async (ctx) => (await import('./commands/switch.js')).switchLogin(ctx)),
  diagram: done(async (ctx) => (await import('./commands/diagram.js')).diagram(ctx)),
  trace: done(async (ctx) => (await import('./commands/trace.js')).trace(ctx)),
  api: done(async (ctx) => (await import('./commands/api.js')).api(ctx)),
  profiles: done(async (ctx) => (await import('./commands/profiles.js')).profiles(ctx)),
};

/** Prints a failure as the person (or, with `--json`, a script) reads it; resolves with its exit code. */
function reportFailure(
  error: unknown,
  command: string,
  flags: { readonly json: boolean; readonly verbose: boolean },
  out: (text: string) => void,
  err: (text: string) => void,
): number {
  const code = exitCodeOf(error);
  const message = (e: unknown) => redactText(e instanceof Error ? e.message : String(e));
  const where = isAuthFlowError(error) ? whereItFailed(error) : null;
  if (flags.json) {
    const failure = isAuthFlowError(error)
      ? {
          code: error.code,
          message: redactText(error.message),
          ...(error.idpDiagnostics ? { idpDiagnostics: error.idpDiagnostics } : {}),
          ...(where ? { where: whereOf(error) } : {}),
        }
      : error instanceof UsageError
        ? { code: 'usage', message: error.message }
        : error instanceof InvalidArgumentError
          ? { code: error.code, message: message(error) }
          : { code: 'internal', message: message(error) };
    out(`${JSON.stringify({ error: failure })}\n`);
  } else if (error instanceof UsageError) {
    err(`cdf-auth: ${error.message}\n${(Object.hasOwn(HELP, command) && HELP[command]) || ''}`);
  } else if (isAuthFlowError(error) || error instanceof InvalidArgumentError) {
    err(`cdf-auth: ${error.code}: ${redactText(error.message)}\n`);
    // --verbose says where the flow stopped: its state, the event, and the guard or actor that decided.
    if (flags.verbose && where) err(`cdf-auth: where: ${where}\n`);
  } else {
    err(`cdf-auth: internal error: ${message(error)}\n`);
  }
  return code;
}

/** Runs the CLI with `argv` (without `node` and the script); resolves with the exit code. */
export async function main(argv: readonly string[], io: Partial<CommandContext> = {}): Promise<number> {
  const out = io.out ?? ((text: string) => void process.stdout.write(text));
  const err = io.err ?? ((text: string) => void process.stderr.write(text));
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    err(parseFailure(argv, error instanceof Error ? error.message : String(error)));
    return ExitCode.usage;
  }
  const [command = '', ...positionals] = parsed.positionals;
  if (parsed.values.version) {
    out(`${VERSION}\n`);
    return ExitCode.ok;
  }
  if (parsed.values.help || command === '' || command === 'help') {
    const topic = command === 'help' ? (positionals[0] ?? '') : command;
    out((Object.hasOwn(HELP, topic) ? HELP[topic] : HELP['']) ?? '');
    return command === '' && !parsed.values.help ? ExitCode.usage : ExitCode.ok;
  }
  const abort = new AbortController();
  const onSignal = () => {
    abort.abort();
    // Every wait listens to the signal; should one still hold the process, Ctrl-C wins all the same.
    if (!io.signal) setTimeout(() => process.exit(ExitCode.cancelled), 3_000).unref();
  };
  // `on`, not `once`: proper-lockfile's signal-exit re-raises a signal that no other listener still
  // holds, which would end the process before the cancelled command reports (exit 130).
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const base: CommandContext = {
    flags: parsed.values,
    positionals,
    out,
    err,
    env: io.env ?? process.env,
    signal: io.signal ?? abort.signal,
    ...(io.store ? { store: io.store } : {}),
  };
  try {
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run) throw new UsageError(`Unknown command "${command}".`);
    checkFlags(command, parsed.values);
    // --env-file (or --dotenv): its variables beneath the environment, for every command alike.
    const { environmentOf } = await import('./settings-of.js');
    const { env, envFile } = await environmentOf(base);
    const ctx: CommandContext = { ...base, env: env as NodeJS.ProcessEnv, ...(envFile ? { envFile } : {}) };
    return await run(ctx);
  } catch (error) {
    return reportFailure(
      error,
      command,
      { json: parsed.values.json === true, verbose: parsed.values.verbose === true },
      out,
      err,
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      ...flagsOf('string', [
        'flow',
        'base-url',
        'cluster',
        'provider',
        'tenant',
        'authority',
        'audience',
        'env-file',
        'profile',
        'input',
        'seed',
        'idp-port',
        'project',
        'api-key-env',
        'issuer',
        'client-id',
        'scope',
        'client-secret-env',
        'resource',
        'redirect-fragment',
        'timeout',
        'format',
        'port',
        'org',
        'token-url',
        'redirect-uri',
        'client-auth',
        'token-env',
        'trace',
        'inspect',
      ]),
      ...flagsOf('boolean', [
        'version',
        'json',
        'dotenv',
        'header',
        'no-browser',
        'headless',
        'interactive',
        'serve',
        'save-env',
      ]),
      help: { type: 'boolean', short: 'h' },
      verbose: { type: 'boolean', short: 'v' },
      method: { type: 'string', short: 'X' },
      field: { type: 'string', short: 'f', multiple: true },
      'redirect-param': { type: 'string', multiple: true },
    },
  });
}

/** Options of `parseArgs` that are all of one type and have no short form. */
function flagsOf<const TType extends 'string' | 'boolean', const TName extends string>(
  type: TType,
  names: readonly TName[],
): { [P in TName]: { type: TType } } {
  return Object.fromEntries(names.map((name) => [name, { type }])) as { [P in TName]: { type: TType } };
}
