/**
 * One session surface for every way into CDF — an OIDC sign-in, a login-URL session, an API key — so that
 * an app migrates flow by flow without changing how it calls CDF: the auth headers, an authenticated
 * request helper, a 401 that leads to one refresh where the way in can refresh and to `reauthRequired`
 * where it cannot, and a logout that ends what can be ended remotely.
 */
import type { InspectionEvent } from 'xstate';
import type { LoginUrlSession } from '../../machines/login-url.js';
import type { TokenSet } from '../../machines/shared/tokens.js';
import { AuthFlowError } from '../errors/auth-flow-error.js';
import { type CdfClient, type CdfCredentials, createCdfClient } from '../protocol/cdf.js';
import type { CallOptions, JsonAnswer } from '../protocol/http.js';
import { createSession, type Session } from './session.js';

/** An `inspect` function as `createActor` takes it (already redacted). */
type InspectFn = (event: InspectionEvent) => void;

/**
 * What a logout ended beyond this process: the legacy session at CDF (`cdfSession`), the sign-in at the
 * IdP by revoking its refresh token or, without one, its access token (RFC 7009); `unsupported` when the
 * IdP offers no revocation (Entra ID: the tokens stay valid until they expire); `none` for a way in that
 * has nothing to end remotely (an API key is ended by rotating it at CDF).
 */
export type RemoteLogout = 'cdfSession' | 'refreshToken' | 'accessToken' | 'unsupported' | 'none';

/** The kinds of sign-in a {@link CdfSession} can hold: the `kind` of `createCdfSession`'s sign-in and of a cached login. */
export type SignInKind = 'oidc' | 'login-url' | 'api-key' | 'token';

/** A session with CDF, the same for every way in. */
export interface CdfSession {
  /** How the session signed in: `oidc`, `login-url`, `api-key` or `token`. */
  readonly kind: SignInKind;
  /** The cluster's base URL; the session's credentials go to this origin only. */
  readonly baseUrl: string;
  /** The headers that authenticate a request: `Authorization: Bearer …` or `api-key: …`. Secret. */
  headers(): Promise<Record<string, string>>;
  /** A valid access token (OIDC, login URL). An API-key session has none and rejects with `notLoggedIn`. */
  getToken(): Promise<string>;
  /**
   * One authenticated request to the cluster, JSON in and out. A 401 is reported to the session: an OIDC
   * session refreshes once and the request is retried once; a legacy session ends in `reauthRequired`.
   */
  request(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    init?: { readonly json?: unknown; readonly searchParams?: Record<string, string> },
    options?: CallOptions,
  ): Promise<JsonAnswer>;
  /** `authenticated`, `renewing`, `reauthRequired` or `loggedOut`. */
  state(): string;
  /**
   * Ends the session here, and where the way in allows it remotely; resolves with what was ended remotely
   * once both are done, rejects with the remote end's error (the session here is ended regardless).
   */
  logout(options?: { readonly signal?: AbortSignal }): Promise<RemoteLogout>;
}

/** How a way in plugs into {@link cdfSessionOf}. */
interface WayInParts {
  readonly kind: SignInKind;
  readonly baseUrl: string;
  readonly session: Session;
  readonly credentials: (token: string) => CdfCredentials;
  /** Ends the session remotely (CDF's /logout, the IdP's revocation); errors are the caller's to ignore. */
  readonly end?: (tokens: TokenSet, signal?: AbortSignal) => Promise<RemoteLogout>;
  readonly appId?: string;
}

/**
 * The session of a credential that cannot renew (a login-URL token, a bearer token, an API key): used
 * until it expires or CDF refuses it, then `reauthRequired` with `why`.
 */
function unrenewable(
  parts: Omit<WayInParts, 'session'> & {
    readonly secret: string;
    readonly expiresAt: number | null;
    readonly why: string;
  },
): CdfSession {
  const { secret, expiresAt, why, ...rest } = parts;
  const session = createSession({
    tokens: { accessToken: secret, tokenType: 'Bearer', expiresAt: expiresAt ?? Number.MAX_SAFE_INTEGER },
    refresh: async () => {
      throw new AuthFlowError({ code: 'reauthRequired', message: why });
    },
  });
  return cdfSessionOf({ ...rest, session });
}

/** The one surface over a way in's session. */
function cdfSessionOf(parts: WayInParts): CdfSession {
  const cdf: CdfClient = createCdfClient({ baseUrl: parts.baseUrl, ...(parts.appId ? { appId: parts.appId } : {}) });
  const { session } = parts;
  const credentialsNow = async () => {
    const token = await session.getToken();
    return { token, credentials: parts.credentials(token) };
  };
  return {
    kind: parts.kind,
    baseUrl: cdf.baseUrl,
    async headers(): Promise<Record<string, string>> {
      const { credentials } = await credentialsNow();
      return credentials.apiKey !== undefined
        ? { 'api-key': credentials.apiKey }
        : { authorization: `Bearer ${credentials.accessToken}` };
    },
    async getToken() {
      if (parts.kind === 'api-key') {
        throw new AuthFlowError({
          code: 'notLoggedIn',
          message: 'An API-key session has no access token; use headers().',
        });
      }
      return session.getToken();
    },
    async request(method, path, init, options) {
      const first = await credentialsNow();
      const answer = await cdf.request(method, path, first.credentials, init, options);
      if (answer.status !== 401) return answer;
      session.reportUnauthorized(first.token);
      // One refresh at most (the session machine's rule), then one retry; a legacy session ends here.
      const second = await credentialsNow();
      if (second.token === first.token) {
        throw new AuthFlowError({ code: 'reauthRequired', message: 'CDF refused the session (401); sign in again.' });
      }
      const retried = await cdf.request(method, path, second.credentials, init, options);
      if (retried.status === 401) session.reportUnauthorized(second.token);
      return retried;
    },
    state: session.state,
    async logout(options = {}) {
      // The tokens as they are: a logout never renews first. `end` takes what it needs before they are forgotten.
      const tokens = session.actor.getSnapshot().context.tokens;
      const ending = tokens && parts.end ? parts.end(tokens, options.signal) : Promise.resolve<RemoteLogout>('none');
      session.logout();
      return ending;
    },
  };
}

/**
 * A {@link CdfSession} over a login-URL session: the legacy token until it expires (it cannot be
 * refreshed), CDF's `/logout` on logout.
 */
export function loginUrlSession(
  signedIn: LoginUrlSession,
  options: { readonly baseUrl: string; readonly appId?: string; readonly inspect?: InspectFn },
): CdfSession {
  const cdf = createCdfClient({ baseUrl: options.baseUrl });
  return unrenewable({
    kind: 'login-url',
    baseUrl: options.baseUrl,
    secret: signedIn.accessToken,
    expiresAt: signedIn.expiresAt,
    why: 'The login-URL session has expired or was refused, and legacy tokens cannot be refreshed; sign in again.',
    credentials: (accessToken) => ({ accessToken }),
    end: async ({ accessToken }, signal) => {
      await cdf.logout({ accessToken }, signal ? { signal } : {});
      return 'cdfSession';
    },
    ...(options.appId ? { appId: options.appId } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
}

/**
 * A {@link CdfSession} over a bearer token CDF accepts, obtained elsewhere (the Cognite Toolkit's
 * `LOGIN_FLOW=token` with `CDF_TOKEN`): used until it expires or CDF refuses it (`reauthRequired`: get a
 * new token); it cannot be refreshed.
 */
export function bearerTokenSession(options: {
  readonly accessToken: string;
  readonly baseUrl: string;
  /** ms since the epoch, when known. */
  readonly expiresAt?: number;
  readonly appId?: string;
  readonly inspect?: InspectFn;
}): CdfSession {
  return unrenewable({
    kind: 'token',
    baseUrl: options.baseUrl,
    secret: options.accessToken,
    expiresAt: options.expiresAt ?? null,
    why: 'CDF refused the bearer token or it has expired; it cannot be refreshed: get a new one.',
    credentials: (accessToken) => ({ accessToken }),
    ...(options.appId ? { appId: options.appId } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
}

/**
 * A {@link CdfSession} over an API key: the key in the `api-key` header until CDF refuses it
 * (`reauthRequired`: rotate the key).
 */
export function apiKeySession(options: {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly appId?: string;
  readonly inspect?: InspectFn;
}): CdfSession {
  return unrenewable({
    kind: 'api-key',
    baseUrl: options.baseUrl,
    secret: options.apiKey,
    expiresAt: null,
    why: 'CDF refused the API key; rotate it (or move to client credentials).',
    credentials: (apiKey) => ({ apiKey }),
    ...(options.appId ? { appId: options.appId } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
}

/**
 * A {@link CdfSession} over an OIDC {@link Session} (from `sessionFor`): refreshes on expiry and once on
 * a 401; `revoke` (the IdP's RFC 7009 revocation, where offered) runs on logout.
 */
export function oidcSession(
  session: Session,
  options: {
    readonly baseUrl: string;
    readonly appId?: string;
    /** Revokes the tokens at the IdP (RFC 7009) on logout, and says what it revoked. */
    readonly revoke?: (tokens: TokenSet, signal?: AbortSignal) => Promise<RemoteLogout>;
  },
): CdfSession {
  return cdfSessionOf({
    kind: 'oidc',
    baseUrl: options.baseUrl,
    session,
    credentials: (accessToken) => ({ accessToken }),
    ...(options.revoke ? { end: options.revoke } : {}),
    ...(options.appId ? { appId: options.appId } : {}),
  });
}
