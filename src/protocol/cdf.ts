/**
 * CDF's authentication endpoints (docs/cdf-api.md §3 and §4) through the library's one bounded fetch (idp-fetch.ts): the legacy `/login/*` and
 * `/logout*` at the host root, and `/api/v1/token/inspect`. Every call takes an AbortSignal, has a
 * deadline, retries 429/503 honouring `Retry-After`, and fails with a typed {@link AuthFlowError}.
 */
import { AuthFlowError } from '../errors/auth-flow-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument.js';
import { type CallOptions, callJson, type HttpOptions, invalidShape, isLoopbackHost, type JsonAnswer } from './http.js';
import { idpFetch } from './idp-fetch.js';
import { VERSION } from './version.js';

/** How a call proves who is asking: an API key (`api-key` header) or a Bearer access token. */
export type CdfCredentials =
  | {
      /** An API key, sent as `api-key`. Secret. */
      readonly apiKey: string;
      /** Not with an API key. */
      readonly accessToken?: never;
    }
  | {
      /** An access token, sent as `Authorization: Bearer`. Secret. */
      readonly accessToken: string;
      /** Not with an access token. */
      readonly apiKey?: never;
    };

/** Options of {@link createCdfClient}. */
export interface CdfClientOptions extends HttpOptions {
  /** The cluster's base URL, e.g. `https://api.cognitedata.com`. Credentials go to this origin only. */
  readonly baseUrl: string;
  /** Sent as `x-cdp-app`, so that CDF can tell applications apart. @default 'cdf-authflow' */
  readonly appId?: string;
}

/** The answer of `/login/status` (and `/logout`). A 401 reads as `loggedIn: false`. */
export interface LoginStatus {
  /** CDF accepts the credentials. */
  readonly loggedIn: boolean;
  /** Who they belong to. */
  readonly user: string;
  /** The project they are for. */
  readonly project: string;
  /** Its numeric id. */
  readonly projectId: number;
  /** The API key's id, for an API key; else `null`. */
  readonly apiKeyId: number | null;
}

/** The answer of `/login/token` for an ID token. */
export interface TokenStatus {
  /** CDF issued the token. */
  readonly valid: boolean;
  /** It has expired. */
  readonly expired: boolean;
}

/** The answer of `/api/v1/token/inspect`. */
export interface TokenInspection {
  /** The token's subject as CDF sees it. */
  readonly subject: string;
  /** The projects the token reaches. */
  readonly projects: ReadonlyArray<{
    /** The project's URL name. */
    readonly projectUrlName: string;
    /** The ids of the groups that give the token access there. */
    readonly groups: readonly number[];
  }>;
  /** The capabilities the groups grant, as CDF lists them. */
  readonly capabilities: readonly unknown[];
}

/** Parameters of the login URL. */
export interface LoginUrlParams {
  /** The project's URL name. */
  readonly project: string;
  /** Where CDF sends the browser back, with the tokens. */
  readonly redirectUrl: string;
  /** Where CDF sends the browser on failure; `redirectUrl` when absent. */
  readonly errorRedirectUrl?: string | null;
}

/** A client for CDF's authentication endpoints. Create it with {@link createCdfClient}. */
export interface CdfClient {
  /** The cluster's base URL; credentials go to this origin only. */
  readonly baseUrl: string;
  /** GET `/login/url`: the URL to send the browser to, or `null` when the project has no IdP. */
  getLoginUrl(params: LoginUrlParams, options?: CallOptions): Promise<string | null>;
  /** The `/login/redirect` URL for the same parameters (the browser follows its 303 to the IdP). */
  loginRedirectUrl(params: LoginUrlParams): string;
  /** GET `/login/status` with the given credentials. */
  getLoginStatus(credentials: CdfCredentials, options?: CallOptions): Promise<LoginStatus>;
  /** GET `/login/token?token=`: signature and expiry of a CDF ID token. */
  getTokenStatus(idToken: string, options?: CallOptions): Promise<TokenStatus>;
  /** GET `/logout/url`: the IdP's logout URL, or `null` without valid credentials (401). */
  getLogoutUrl(credentials: CdfCredentials, redirectUrl?: string, options?: CallOptions): Promise<string | null>;
  /** GET `/logout`: ends the CDF session; answers the (logged-out) status. */
  logout(credentials: CdfCredentials, options?: CallOptions): Promise<LoginStatus>;
  /** GET `/api/v1/token/inspect` with a Bearer token. */
  inspectToken(accessToken: string, options?: CallOptions): Promise<TokenInspection>;
  /**
   * One authenticated request to any path of the cluster (e.g. `api/v1/projects/demo/assets`), JSON in and
   * out. A 401 comes back as an answer (so that the caller can refresh once and retry); any other non-2xx
   * throws code `http`; a redirect is never followed.
   */
  request(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    credentials: CdfCredentials,
    init?: { readonly json?: unknown; readonly searchParams?: Record<string, string> },
    options?: CallOptions,
  ): Promise<JsonAnswer>;
}

/**
 * Creates a {@link CdfClient} for one cluster.
 *
 * @example
 * ```ts
 * const cdf = createCdfClient({ baseUrl: 'https://api.cognitedata.com', appId: 'my-app' });
 * const status = await cdf.getLoginStatus({ apiKey }, { signal });
 * ```
 * @see docs/cdf-api.md §3 (legacy) and §4.1 (token/inspect)
 */
export function createCdfClient(options: CdfClientOptions): CdfClient {
  const base = checkedBase(options.baseUrl);
  const baseUrl = base.origin + base.pathname.replace(/\/+$/, '');
  const call = cdfCall(base, baseUrl, options);
  const get = (path: string, what: string, init: CallInit, callOptions?: CallOptions) =>
    call('GET', path, what, init, callOptions);
  const loginQuery = (params: LoginUrlParams): Record<string, string> => ({
    ...(params.errorRedirectUrl ? { errorRedirectUrl: params.errorRedirectUrl } : {}),
    project: params.project,
    redirectUrl: params.redirectUrl,
  });
  return {
    baseUrl,
    async getLoginUrl(params, call) {
      const what = 'CDF /login/url';
      return parseLoginUrl(what, await get('login/url', what, { searchParams: loginQuery(params) }, call));
    },
    loginRedirectUrl(params) {
      return `${baseUrl}/login/redirect?${new URLSearchParams(loginQuery(params))}`;
    },
    async getLoginStatus(credentials, call) {
      const what = 'CDF /login/status';
      return parseStatus(what, await get('login/status', what, { credentials, acceptStatuses: [401] }, call));
    },
    async getTokenStatus(idToken, call) {
      const what = 'CDF /login/token';
      return parseTokenStatus(what, await get('login/token', what, { searchParams: { token: idToken } }, call));
    },
    async getLogoutUrl(credentials, redirectUrl, call) {
      const what = 'CDF /logout/url';
      const init = { credentials, acceptStatuses: [401], ...(redirectUrl ? { searchParams: { redirectUrl } } : {}) };
      return parseLogoutUrl(what, await get('logout/url', what, init, call));
    },
    async logout(credentials, call) {
      const what = 'CDF /logout';
      return parseStatus(what, await get('logout', what, { credentials, acceptStatuses: [401] }, call));
    },
    async inspectToken(accessToken, callOptions) {
      const what = 'CDF /api/v1/token/inspect';
      const init = { credentials: { accessToken }, acceptStatuses: [401] };
      return parseInspection(what, await get('api/v1/token/inspect', what, init, callOptions));
    },
    async request(method, path, credentials, init = {}, callOptions) {
      const relative = path.replace(/^\/+/, '');
      if (/^[a-z][a-z0-9+.-]*:/i.test(relative) || path.startsWith('//')) {
        throw new InvalidArgumentError('The path must be a path of the cluster, not a URL.');
      }
      const what = `CDF ${method} /${relative.split('?')[0]}`;
      return call(method, relative, what, { ...init, credentials, acceptStatuses: [401] }, callOptions);
    },
  };
}

/** The base URL, refused unless https (or http on the loopback emulator). */
function checkedBase(baseUrl: string): URL {
  const base = new URL(baseUrl);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new InvalidArgumentError(`The base URL must be http(s), not ${base.protocol}`);
  }
  // Tokens and keys never travel in the clear; plain http is for the loopback emulator alone (RFC 8252 8.3).
  if (base.protocol === 'http:' && !isLoopbackHost(base)) {
    throw new AuthFlowError({
      code: 'insecureEndpoint',
      message: `The base URL ${base.origin} is plain http; use https (http is allowed only on 127.0.0.1, [::1] and localhost).`,
    });
  }
  return base;
}

interface CallInit {
  readonly credentials?: CdfCredentials;
  readonly searchParams?: Record<string, string>;
  readonly acceptStatuses?: number[];
  readonly json?: unknown;
}

/** One credentialed call to the cluster: to its own origin only, with the call's secrets scrubbed from errors. */
function cdfCall(base: URL, baseUrl: string, options: CdfClientOptions) {
  const prefix = `${baseUrl}/`;
  const identity = { 'x-cdp-sdk': `cdf-authflow:${VERSION}`, 'x-cdp-app': options.appId ?? 'cdf-authflow' };
  const send = (method: string, path: string, what: string, init: CallInit) => (signal: AbortSignal) => {
    const url = new URL(path, prefix);
    for (const [name, value] of Object.entries(init.searchParams ?? {})) url.searchParams.set(name, value);
    // Credentials go to the configured origin only (docs/cdf-api.md §2.3, docs/security.md §1.1).
    if (url.origin !== base.origin) {
      throw new AuthFlowError({ code: 'internal', message: 'Refused to send credentials to another origin.' });
    }
    const json = init.json !== undefined;
    return idpFetch({
      deadline: Date.now() + (options.timeoutMs ?? 15_000),
      record: {},
      source: what,
      // 429 and 503 are retried for reads and for POSTs, which CDF's auth endpoints answer without effect.
      retryLimit: method === 'GET' || method === 'POST' ? (options.retryLimit ?? 2) : 0,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    })(url, {
      method,
      signal,
      // A credentialed call never follows a redirect: fetch would carry the api-key header (it strips only
      // Authorization) to wherever the Location points, and the answer from there would be believed.
      redirect: 'manual',
      headers: {
        ...identity,
        ...authHeaders(init.credentials),
        ...(json ? { 'content-type': 'application/json' } : {}),
      },
      ...(json ? { body: JSON.stringify(init.json) } : {}),
    });
  };
  return (method: string, path: string, what: string, init: CallInit, call?: CallOptions): Promise<JsonAnswer> =>
    callJson(send(method, path, what, init), what, {
      ...options,
      ...call,
      ...(init.acceptStatuses ? { acceptStatuses: init.acceptStatuses } : {}),
      origin: base.origin,
      secrets: [
        ...Object.values(init.searchParams ?? {}).filter((value) => value === init.searchParams?.token),
        ...(init.credentials ? [init.credentials.apiKey ?? init.credentials.accessToken ?? ''] : []),
      ],
    });
}

function parseLoginUrl(what: string, answer: JsonAnswer): string | null {
  const data = dataOf(answer);
  if (data === undefined) return invalidShape(what, answer, 'a "data" object');
  const url = (data as { url?: unknown }).url;
  if (url === undefined || url === null || url === '') return null;
  if (typeof url !== 'string' || !isHttpUrl(url)) return invalidShape(what, answer, 'an http(s) "url"');
  return url;
}

function parseTokenStatus(what: string, answer: JsonAnswer): TokenStatus {
  const data = dataOf(answer) as { valid?: unknown; expired?: unknown } | undefined;
  if (typeof data?.valid !== 'boolean' || typeof data.expired !== 'boolean') {
    return invalidShape(what, answer, '"valid" and "expired"');
  }
  return { valid: data.valid, expired: data.expired };
}

function parseLogoutUrl(what: string, answer: JsonAnswer): string | null {
  if (answer.status === 401) return null;
  const url = (dataOf(answer) as { url?: unknown } | undefined)?.url;
  if (typeof url !== 'string' || !isHttpUrl(url)) return invalidShape(what, answer, 'an http(s) "url"');
  return url;
}

function parseInspection(what: string, answer: JsonAnswer): TokenInspection {
  if (answer.status === 401) {
    throw new AuthFlowError({
      code: 'tokenRejected',
      message: `${what} answered 401: CDF does not accept this token (is it for this cluster?); sign in again.`,
      status: 401,
      ...(answer.requestId ? { requestId: answer.requestId } : {}),
    });
  }
  const body = answer.body as Partial<TokenInspection> | undefined;
  if (
    typeof body?.subject !== 'string' ||
    !Array.isArray(body.projects) ||
    !body.projects.every(
      (p) => typeof p?.projectUrlName === 'string' && Array.isArray(p.groups) && p.groups.every(Number.isFinite),
    ) ||
    !Array.isArray(body.capabilities)
  ) {
    return invalidShape(what, answer, '"subject", "projects" and "capabilities"');
  }
  return {
    subject: body.subject,
    projects: body.projects.map((p) => ({ projectUrlName: p.projectUrlName, groups: [...p.groups] })),
    capabilities: body.capabilities,
  };
}

const notLoggedIn: LoginStatus = { loggedIn: false, user: '', project: '', projectId: -1, apiKeyId: null };

function authHeaders(credentials: CdfCredentials | undefined): Record<string, string> {
  if (!credentials) return {};
  if (typeof credentials.apiKey === 'string') return { 'api-key': credentials.apiKey };
  return { authorization: `Bearer ${credentials.accessToken}` };
}

function dataOf(answer: JsonAnswer): unknown {
  const data = (answer.body as { data?: unknown } | undefined)?.data;
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? data : undefined;
}

function parseStatus(what: string, answer: JsonAnswer): LoginStatus {
  if (answer.status === 401) return notLoggedIn;
  const data = dataOf(answer) as Record<string, unknown> | undefined;
  if (typeof data?.loggedIn !== 'boolean') return invalidShape(what, answer, 'a boolean "loggedIn"');
  if (!data.loggedIn) return notLoggedIn;
  if (typeof data.user !== 'string' || typeof data.project !== 'string') {
    return invalidShape(what, answer, '"user" and "project"');
  }
  return {
    loggedIn: true,
    user: data.user,
    project: data.project,
    projectId: typeof data.projectId === 'number' ? data.projectId : -1,
    apiKeyId: typeof data.apiKeyId === 'number' ? data.apiKeyId : null,
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
