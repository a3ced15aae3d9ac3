/**
 * `cdf-authflow/emulator`: a local CDF auth API with a real OpenID Connect provider (panva's
 * `oidc-provider`) as its IdP, on 127.0.0.1, for the demo and for your own tests.
 *
 * @example
 * ```ts
 * import { startEmulator } from 'cdf-authflow/emulator';
 * const emulator = await startEmulator();
 * // ... point a client at emulator.baseUrl ...
 * await emulator.close();
 * ```
 * @module cdf-authflow/emulator
 */
import { createHash, randomBytes } from 'node:crypto';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import { createCdfHandler } from './cdf-server.js';
import {
  defaultProjects,
  defaultUsers,
  type EmulatorApiKey,
  type EmulatorProject,
  type EmulatorUser,
} from './config.js';
import { answerDeviceCode } from './device.js';
import { type Fault, FaultQueue } from './faults.js';
import { startIdp } from './idp.js';
import type { NextLogin } from './idp-options.js';
import { type IdpProfile, type IdpProfileName, idpProfile, tenantIdOf } from './idp-profiles.js';
import { createLegacyTokenAuthority, type LegacyTokenAuthority } from './legacy-tokens.js';

export { REDIS_SERVER_PATH, type RedisServer, redisServerInstalled, startRedisServer } from './redis-server.js';
export type { EmulatorApiKey, EmulatorProject, EmulatorUser, Fault, IdpProfileName, NextLogin };
export { defaultProjects, defaultUsers };

/** An outside IdP whose JWT access tokens the emulated CDF accepts. */
export interface TrustedIdp {
  /** Its issuer, as its tokens name it (`iss`). */
  readonly issuer: string;
  /** Where its signing keys are. */
  readonly jwksUri: string;
  /** The audience (`aud`) its tokens for this cluster name. */
  readonly audience: string;
}

/** The redirect URIs registered for the emulator's CLI client. */
export interface RegisteredRedirect {
  /** True where the IdP compares them exactly (port and path); false where any loopback port goes. */
  readonly exact: boolean;
  /** The registered URIs. */
  readonly uris: readonly string[];
}

/** Options of {@link startEmulator}. Everything has a default. */
export interface EmulatorOptions {
  /**
   * Whose rules the IdP follows: `generic` (plain oidc-provider, the cluster is the default audience),
   * `entra` (Entra ID v2: tenant paths, audience only from the cluster's scope, ...) or `auth0` (issuer
   * with a trailing slash, a JWT only with `audience`). @default 'generic'
   */
  readonly profile?: IdpProfileName;
  /** Makes the tenant id, client secret and API key the same on every start. @default random */
  readonly seed?: string;
  /** Port of the CDF API; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Port of the IdP; 0 picks a free one. @default 0 */
  readonly idpPort?: number;
  /** Complete IdP sign-ins without a person (see {@link Emulator.setNextLogin}). @default true */
  readonly headless?: boolean;
  /** @default {@link defaultProjects} */
  readonly projects?: readonly EmulatorProject[];
  /** @default {@link defaultUsers} */
  readonly users?: readonly EmulatorUser[];
  /** @default one random key for a service account of `demo` */
  readonly apiKeys?: readonly EmulatorApiKey[];
  /** Lifetime of legacy CDF tokens, ms (whole seconds on the wire). @default 3600000 */
  readonly legacyTokenTtlMs?: number;
  /** Lifetime of IdP access tokens, ms (whole seconds on the wire). @default 600000 */
  readonly accessTokenTtlMs?: number;
  /** Lifetime of device codes, ms (whole seconds on the wire). @default 600000 */
  readonly deviceCodeTtlMs?: number;
  /** The secret of the confidential `service` client. @default random */
  readonly serviceClientSecret?: string;
  /** Redirect URIs of the public `spa` client. @default ['http://127.0.0.1:5173/callback'] */
  readonly spaRedirectUris?: readonly string[];
  /**
   * Redirect URIs of the confidential `webapp` client, a web backend's (`cdf-authflow/server`), compared
   * exactly. @default ['http://127.0.0.1:3000/auth/callback']
   */
  readonly webRedirectUris?: readonly string[];
  /**
   * Redirect URIs of the CLI's public client, compared as the profile's IdP compares them (any loopback
   * port for `generic` and `entra`, exactly for `auth0` and `cogidp`). @default the profile's: `generic`
   * `http://127.0.0.1/callback`, `http://localhost/callback`; `entra` those and `http://localhost`; `auth0`
   * `http://localhost:53000`; `cogidp` `http://localhost:3000/`, then ports 3100–3110
   */
  readonly cliRedirectUris?: readonly string[];
  /** The Cognite IdP organization (`cogidp` profile). @default 'demo-org' */
  readonly organization?: string;
  /**
   * Another IdP whose JWT access tokens the emulated CDF accepts beside its own IdP's (as a CDF project set
   * up for an outside IdP): its issuer, JWKS URI and the audience its tokens must name.
   */
  readonly trustIdp?: TrustedIdp;
  /** Answer `/login/status` with 401 instead of `loggedIn: false` for unknown credentials. @default false */
  readonly statusUnauthorizedAs401?: boolean;
}

/** A request one of the emulator's servers received. */
export interface RecordedRequest {
  /** The HTTP method. */
  readonly method: string;
  /** The path, without the query. */
  readonly path: string;
  /** The query string with its `?`, `''` when there is none (the CDF API's requests only). */
  readonly search?: string;
}

/** A running emulator. */
export interface Emulator {
  /** The emulated cluster, e.g. `http://127.0.0.1:40123`. */
  readonly baseUrl: string;
  /** The IdP's issuer, e.g. `http://127.0.0.1:40124` (`…/{tenant}/v2.0` for `entra`, with a `/` for `auth0`). */
  readonly issuer: string;
  /** The IdP's profile. */
  readonly profile: IdpProfileName;
  /** The IdP's origin: the `authority` of an `entra()` preset pointed at the emulator. */
  readonly idpOrigin: string;
  /** The Entra tenant id (`entra` profile), else `null`. */
  readonly tenantId: string | null;
  /** The Cognite IdP organization (`cogidp` profile), else `null`. */
  readonly organization: string | null;
  /** The redirect URIs registered for the CLI's public client, and whether the IdP compares them exactly. */
  readonly cliRedirect: RegisteredRedirect;
  /** The CDF projects it serves, each with its groups and whether it has a legacy IdP. */
  readonly projects: readonly EmulatorProject[];
  /** The people who can sign in at the IdP. */
  readonly users: readonly EmulatorUser[];
  /** The API keys CDF accepts (revoked ones stay listed). */
  readonly apiKeys: readonly EmulatorApiKey[];
  /**
   * The OIDC clients: `cli-native` (public, loopback, device code), `spa` (public), `service` and `webapp`
   * (confidential).
   */
  readonly clients: {
    /** The public client for the loopback and device flows. */
    readonly cli: string;
    /** The public client of browser apps. */
    readonly spa: string;
    /** The confidential client of client credentials. */
    readonly service: {
      /** Its client id. */
      readonly id: string;
      /** Its client secret. */
      readonly secret: string;
    };
    /** The confidential client of a web backend: code + PKCE with a secret, refresh tokens. */
    readonly web: {
      /** Its client id. */
      readonly id: string;
      /** Its client secret. */
      readonly secret: string;
    };
  };
  /** The IdP's private signing key, for tests that forge tokens the IdP never issued. */
  readonly idpPrivateJwk: JWK;
  /** Every request the CDF API received (method and path, no query): tests assert what was called. */
  readonly requests: readonly RecordedRequest[];
  /** Every request the IdP received (method and path, no query or body). */
  readonly idpRequests: readonly RecordedRequest[];
  /** What the next headless sign-in at the IdP does: approve as a user, or deny. */
  setNextLogin(next: NextLogin): void;
  /** Mints legacy CDF tokens directly (negative `ttlSeconds` gives expired ones). */
  mintLegacyTokens(input: { user: string; project: string; ttlSeconds?: number }): Promise<{
    /** The legacy access token. */
    accessToken: string;
    /** The legacy ID token. */
    idToken: string;
  }>;
  /**
   * Plays the person at the IdP's device page: approve or deny the code (RFC 8628 3.3). Pass the complete
   * verification URI, or the verification URI and the user code (Entra gives no complete URI).
   */
  answerDeviceCode(verificationUri: string, approve: boolean, userCode?: string): Promise<void>;
  /** Revokes an API key: `/login/status` then answers `loggedIn: false` for it. */
  revokeApiKey(key: string): void;
  /** Queues a fault (5xx, 429, odd body, 10 MB, reset, delay, stall) for matching requests of the CDF API or, with `on: 'idp'`, the IdP. */
  fault(fault: Fault): void;
  /** Removes queued faults. */
  clearFaults(): void;
  /** Stops both servers and drops stalled connections. */
  close(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1. Resolves once both servers listen. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = '127.0.0.1';
  const projects = options.projects ?? defaultProjects;
  const users = options.users ?? defaultUsers;
  const secret = secretsOf(options.seed);
  const apiKeys: EmulatorApiKey[] = [...(options.apiKeys ?? [{ key: `ak-${secret('api-key')}`, ...DEFAULT_API_KEY }])];
  const profile = profileOf(options);
  let handler: ((req: http.IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = await listen(options.port ?? 0, host, (req, res) =>
    handler ? handler(req, res) : res.writeHead(503).end(),
  );
  const baseUrl = `http://${host}:${(server.address() as AddressInfo).port}`;
  const { cdfClient, serviceClient, webClient } = clientSecretsOf(options, secret);
  const faults = new FaultQueue();
  const stalled = new Set<ServerResponse>();
  const idpRequests: Array<{ method: string; path: string }> = [];
  const clients = idpClients({ baseUrl, cdfClient, serviceClient, webClient, options, profile });
  const audiences = audiencesOf(profile.name, baseUrl, projects);
  const organizationProjects = organizationProjectsOf(users, projects, baseUrl);
  const shared = { profile, faults, stalled, requests: idpRequests, host, clients, organizationProjects };
  const idp = await startIdp({ ...idpOptionsOf(options, users, audiences), ...shared }).catch((error: unknown) => {
    server.close();
    throw error;
  });
  const legacy = await createLegacyTokenAuthority(baseUrl);
  const requests: RecordedRequest[] = [];
  const revokedApiKeys = new Set<string>();
  handler = createCdfHandler({
    baseUrl,
    issuer: idp.issuer,
    audiences,
    ...(options.trustIdp ? { trustedIdp: options.trustIdp } : {}),
    idpEndpoints: idp.endpoints,
    issParameter: profile.issParameter,
    cdfClient,
    projects,
    users,
    apiKeys,
    revokedApiKeys,
    legacy,
    legacyTokenTtlSeconds: Math.round((options.legacyTokenTtlMs ?? 3_600_000) / 1000),
    faults,
    requests,
    statusUnauthorizedAs401: options.statusUnauthorizedAs401 ?? false,
    stalled,
  });

  return {
    baseUrl,
    issuer: idp.issuer,
    profile: profile.name,
    idpOrigin: new URL(idp.endpoints.token).origin,
    tenantId: profile.tenantId,
    organization: profile.organization,
    cliRedirect: { exact: profile.cliClient.applicationType === 'web', uris: profile.cliClient.redirectUris },
    projects,
    users,
    apiKeys,
    clients: { cli: 'cli-native', spa: 'spa', service: serviceClient, web: webClient },
    idpPrivateJwk: idp.privateJwk,
    requests,
    idpRequests,
    setNextLogin: (next) => idp.setNextLogin(next),
    mintLegacyTokens: legacyMinter(projects, legacy),
    answerDeviceCode,
    revokeApiKey: (key) => revokedApiKeys.add(key),
    fault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    async close() {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), idp.close()]);
    },
  };
}

/** The IdP profile of the options. */
function profileOf(options: EmulatorOptions) {
  return idpProfile(options.profile ?? 'generic', tenantIdOf(options.seed), {
    ...(options.organization ? { organization: options.organization } : {}),
    ...(options.cliRedirectUris ? { redirectUris: options.cliRedirectUris } : {}),
  });
}

/** The audiences CDF accepts: the cluster, and for Auth0 each project's API as the Toolkit names it. */
function audiencesOf(profile: IdpProfileName, baseUrl: string, projects: readonly EmulatorProject[]): string[] {
  const projectApis = projects.map((p) => `https://${p.urlName}.fusion.cognite.com/${p.urlName}`);
  return [baseUrl, ...(profile === 'auth0' ? projectApis : [])];
}

/** Cognite IdP's projects of the organization: those with an IdP that the subject reaches, all on this cluster. */
function organizationProjectsOf(users: readonly EmulatorUser[], projects: readonly EmulatorProject[], baseUrl: string) {
  return (subject: string) => {
    const reach = users.find((user) => user.id === subject)?.projects ?? [];
    return projects
      .filter((project) => project.hasIdp && reach.includes(project.urlName))
      .map((project) => ({ name: project.urlName, apiUrl: baseUrl }));
  };
}

const DEFAULT_API_KEY = { id: 5001, project: 'demo', serviceAccount: 'demo-service@demo' } as const;

/** The IdP's options that come straight from the emulator's. */
function idpOptionsOf(options: EmulatorOptions, users: readonly EmulatorUser[], resourceServers: readonly string[]) {
  return {
    port: options.idpPort ?? 0,
    headless: options.headless ?? true,
    users,
    resourceServers,
    accessTokenTtlSeconds: Math.round((options.accessTokenTtlMs ?? 600_000) / 1000),
    deviceCodeTtlSeconds: Math.round((options.deviceCodeTtlMs ?? 600_000) / 1000),
  };
}

/** Secrets: random, or derived from the seed so that a `--seed` start prints the same ones every time. */
function secretsOf(seed: string | undefined): (label: string) => string {
  return (label) =>
    seed === undefined
      ? randomBytes(18).toString('base64url')
      : createHash('sha256').update(`${seed}:${label}`).digest('base64url').slice(0, 24);
}

/** Mints legacy CDF tokens for a user in a project, as `/login/callback` would. */
function legacyMinter(
  projects: readonly EmulatorProject[],
  legacy: LegacyTokenAuthority,
): Emulator['mintLegacyTokens'] {
  return async ({ user, project, ttlSeconds }) => {
    const p = projects.find((candidate) => candidate.urlName === project);
    if (!p) throw new Error(`unknown project ${project}`);
    return legacy.mint({
      sub: user,
      project: p.urlName,
      projectId: p.projectId,
      groups: p.groups,
      ttlSeconds: ttlSeconds ?? 3600,
    });
  };
}

/** A server listening on `host:port`, before any handler is ready (it answers 503 until then). */
async function listen(port: number, host: string, handle: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/** The confidential clients' ids and secrets: CDF's own, the service's, the web backend's. */
function clientSecretsOf(options: EmulatorOptions, secret: (name: string) => string) {
  return {
    cdfClient: { id: 'cdf-cluster', secret: secret('cdf-client') },
    serviceClient: { id: 'service', secret: options.serviceClientSecret ?? `cs-${secret('service')}` },
    webClient: { id: 'webapp', secret: `ws-${secret('webapp')}` },
  };
}

/** The IdP's clients: the CLI's and the SPA's public clients, the service's confidential one, and CDF's own. */
function idpClients({
  baseUrl,
  cdfClient,
  serviceClient,
  webClient,
  options: { spaRedirectUris, webRedirectUris },
  profile: { cliClient, otherPublicClients },
}: {
  baseUrl: string;
  cdfClient: { id: string; secret: string };
  serviceClient: { id: string; secret: string };
  webClient: { id: string; secret: string };
  options: Pick<EmulatorOptions, 'spaRedirectUris' | 'webRedirectUris'>;
  profile: Pick<IdpProfile, 'cliClient' | 'otherPublicClients'>;
}) {
  const publicClient = (clientId: string) => ({
    client_id: clientId,
    application_type: cliClient.applicationType,
    token_endpoint_auth_method: 'none',
    redirect_uris: [...cliClient.redirectUris],
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
  });
  return [
    // A public client for CLIs: loopback redirects compared as the profile's IdP compares them, device code.
    publicClient('cli-native'),
    ...otherPublicClients.map(publicClient),
    // A public browser client (the SPA examples).
    {
      client_id: 'spa',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      redirect_uris: [...(spaRedirectUris ?? ['http://127.0.0.1:5173/callback'])],
      // The same pages may be where RP-initiated logout comes back to.
      post_logout_redirect_uris: [...(spaRedirectUris ?? ['http://127.0.0.1:5173/callback'])],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    // A confidential web backend (cdf-authflow/server): code + PKCE with a secret, exact redirect URIs.
    {
      client_id: webClient.id,
      client_secret: webClient.secret,
      application_type: 'web',
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [...(webRedirectUris ?? ['http://127.0.0.1:3000/auth/callback'])],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    // A confidential service client: client credentials, the replacement for API keys.
    {
      client_id: serviceClient.id,
      client_secret: serviceClient.secret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: cdfClient.id,
      client_secret: cdfClient.secret,
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: [`${baseUrl}/login/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ];
}
