/**
 * A credential chain, as azure-identity's DefaultAzureCredential is one: the first way in that the
 * environment offers becomes the session. A client secret in the environment → client credentials; a
 * cached login (`cdf-auth login`) → that login, refreshed and written back; a terminal → a person signs in
 * (code + PKCE, or the device code where no browser can open); otherwise one error that lists what was
 * looked for.
 */
import type { IdpPreset } from '../../config/idp-presets.js';
import { type ExplicitSettings, presetOf, resolveSettings, type Settings } from '../../config/settings.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import type { CdfSession } from '../../session/cdf-session.js';
import { createFileTokenStore, type TokenStore } from '../../stores/file-token-store.js';
import { loginWithAuthorizationCode, loginWithClientCredentials, loginWithDeviceCode } from './oidc.js';
import { canOpenBrowser } from './opener.js';

/** Options of {@link defaultCredential}. */
export interface DefaultCredentialOptions {
  /** Settings that win over the environment (as the CLI's flags do). */
  readonly settings?: ExplicitSettings;
  /** The environment with the CDF ecosystem's variables. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The token cache `cdf-auth` writes. @default the file store in ~/.config/cdf-authflow */
  readonly store?: TokenStore;
  /** Whether a person can sign in here. @default stdin and stdout are terminals */
  readonly interactive?: boolean;
  /** Shows the device code (the person signs in elsewhere). @default a line on stderr */
  readonly onUserCode?: (info: { userCode: string; verificationUri: string }) => void;
  /** Aborting cancels whatever the chain is doing (a refresh, an interactive sign-in). */
  readonly signal?: AbortSignal;
}

/** The OIDC options of the settings, when they name an IdP and a client. */
function oidcOptions(settings: Settings): { idp: IdpPreset; clientId: string } | null {
  const idp = presetOf(settings);
  const clientId = settings.clientId?.value;
  return idp && clientId ? { idp, clientId } : null;
}

/**
 * The first credential the environment offers, as a {@link CdfSession}.
 *
 * @example
 * ```ts
 * const session = await defaultCredential(); // IDP_CLIENT_SECRET? a cached login? a terminal?
 * const assets = await session.request('GET', 'api/v1/projects/my-project/assets');
 * ```
 */
export async function defaultCredential(options: DefaultCredentialOptions = {}): Promise<CdfSession> {
  const env = options.env ?? process.env;
  const settings = resolveSettings(options.settings ?? {}, env);
  const baseUrl = settings.baseUrl?.value;
  if (!baseUrl) {
    throw new AuthFlowError({
      code: 'notLoggedIn',
      message: 'No cluster named: set CDF_CLUSTER or CDF_URL (or pass settings.baseUrl).',
    });
  }
  const project = settings.project?.value;
  // LOGIN_FLOW=token: the Toolkit's static bearer, CDF_TOKEN, is the credential.
  const bearer = settings.flow?.value === 'token' && settings.tokenEnv ? env[settings.tokenEnv.value] : undefined;
  // The sessions are loaded once a credential is found: importing the driver stays cheap.
  if (bearer)
    return (await import('../../session/cdf-session.js')).bearerTokenSession({ accessToken: bearer, baseUrl });
  const { cdfSessionFor } = await import('../../session/oidc-session.js');
  const oidc = oidcOptions(settings);
  const common = { baseUrl, ...(project ? { project } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  const secretName = settings.clientSecretEnv?.value;
  const clientSecret = secretName ? env[secretName] : undefined;
  if (oidc && clientSecret) {
    const service = { ...common, ...oidc, clientSecret, scope: settings.scope?.value ?? oidc.idp.serviceScope };
    return cdfSessionFor(await loginWithClientCredentials(service), service);
  }
  const store = options.store ?? createFileTokenStore();
  const entry = await store.read({ baseUrl, project: project ?? '' }).catch(() => null);
  const cached = entry ? (await import('./cached-login.js')).cachedLoginSession(entry, store, env) : null;
  if (cached) return cached;
  const interactive = options.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (oidc && interactive) {
    const person = { ...common, ...oidc, ...(settings.scope ? { scope: settings.scope.value } : {}) };
    const remote = !canOpenBrowser(env);
    const signIn = remote
      ? await loginWithDeviceCode({
          ...person,
          onUserCode:
            options.onUserCode ??
            ((info) => process.stderr.write(`Open ${info.verificationUri} and enter ${info.userCode}\n`)),
        })
      : await loginWithAuthorizationCode(person);
    return cdfSessionFor(signIn, person);
  }
  throw new AuthFlowError({
    code: 'notLoggedIn',
    message:
      `No credential for ${baseUrl}. Looked for: a client secret (IDP_CLIENT_SECRET, with IDP_CLIENT_ID and an IdP: ` +
      `IDP_TENANT_ID, IDP_TOKEN_URL or an issuer); a cached login for project "${project ?? ''}" (run cdf-auth login); ` +
      `a terminal for a person to sign in (${interactive ? `found, but no IdP and client id: ${oidc ? 'ok' : 'missing'}` : 'none'}).`,
  });
}
