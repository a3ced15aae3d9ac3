/**
 * The CDF ecosystem's configuration, as the Cognite Toolkit writes it in a project's `.env`: `PROVIDER`
 * (`entra_id`, `auth0`, `cdf`, `other`), `LOGIN_FLOW` (`client_credentials`, `token`, `device_code`,
 * `interactive`, `session`), `CDF_CLUSTER`, `CDF_URL`, `CDF_PROJECT`, `CDF_TOKEN`, `IDP_CLIENT_ID`,
 * `IDP_CLIENT_SECRET`, `IDP_TENANT_ID`, `IDP_TOKEN_URL`, `IDP_AUDIENCE`, `IDP_SCOPES` (comma-separated),
 * `IDP_AUTHORITY_URL`, `IDP_DISCOVERY_URL` (docs/cdf-api.md, "The Cognite Toolkit's .env"). Settings come
 * from explicit values first, then those variables, then a saved profile, then the Toolkit's defaults;
 * each remembers where it came from. Plain data: the caller passes the environment in.
 */
import type { MachineName } from '../../machines/index.js';
import {
  auth0 as auth0Preset,
  COGNITE_SDK_REDIRECT_URI,
  clusterUrl,
  cogidp,
  cognito as cognitoPreset,
  entra,
  type IdpPreset,
  type IdpProvider,
  oidc as oidcPreset,
} from './idp-presets.js';

/** A setting's value and where it came from (`--cluster`, `CDF_CLUSTER`, `profile prod`, ...). */
export interface Sourced<T> {
  /** The value. */
  readonly value: T;
  /** Where it came from: a flag (`--project`), a variable's name (`CDF_PROJECT`), `profile NAME` or a default's owner. */
  readonly from: string;
}

/**
 * The sign-in flows, by the one name the machines, the CLI (`--flow`), the cache, the browser driver and
 * the docs use: each machine's name but the session's (`authorization-code`, `device-code`,
 * `client-credentials`, `login-url`, `api-key`), and `token`, a bearer token CDF accepts, read from a
 * variable (`CDF_TOKEN`), which no machine runs.
 */
export type FlowName = Exclude<MachineName, 'session'> | 'token';

/** Every {@link FlowName}, in the order the CLI lists them. */
export const FLOW_NAMES = [
  'authorization-code',
  'device-code',
  'client-credentials',
  'token',
  'login-url',
  'api-key',
] as const satisfies readonly FlowName[];

/** The flows that sign in at an OpenID Connect IdP, whose logins the CLI's cache renews. */
export const OIDC_FLOW_NAMES = [
  'authorization-code',
  'device-code',
  'client-credentials',
] as const satisfies readonly FlowName[];

/** A flow that signs in at an OpenID Connect IdP. */
export type OidcFlowName = (typeof OIDC_FLOW_NAMES)[number];

/**
 * The names earlier versions used for two flows (`--flow code`, `--flow device`, a cached login's
 * `flow`, a saved profile's), still read as the one name; never written.
 */
export const FORMER_FLOW_NAMES: Readonly<Record<string, FlowName>> = {
  code: 'authorization-code',
  device: 'device-code',
};

/** How a confidential client proves itself at the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthMethod = 'basic' | 'post';

/** Everything a sign-in can be configured with; every field optional, each with its source. */
export interface Settings {
  /** The cluster's base URL. */
  readonly baseUrl?: Sourced<string>;
  /** The CDF project. */
  readonly project?: Sourced<string>;
  /** The sign-in flow. */
  readonly flow?: Sourced<FlowName>;
  /** The IdP preset. */
  readonly provider?: Sourced<IdpProvider>;
  /** The issuer, where no preset derives it. */
  readonly issuer?: Sourced<string>;
  /** The login host of a preset (national clouds, an emulator). */
  readonly authority?: Sourced<string>;
  /** The Entra tenant. */
  readonly tenant?: Sourced<string>;
  /** The client id at the IdP. */
  readonly clientId?: Sourced<string>;
  /** The name of the variable that holds the client secret (never the secret). */
  readonly clientSecretEnv?: Sourced<string>;
  /** The scopes, space-separated, where the preset's are not wanted. */
  readonly scope?: Sourced<string>;
  /** Auth0's API identifier (also sent as `audience` by an `other` IdP, as the Toolkit does). */
  readonly audience?: Sourced<string>;
  /** The Cognite IdP organization a person signs in to. */
  readonly org?: Sourced<string>;
  /** A token endpoint to use without discovery (`IDP_TOKEN_URL` of an IdP with no issuer named). */
  readonly tokenUrl?: Sourced<string>;
  /** The registered loopback redirect URI (`http://localhost:53000`, ...). */
  readonly redirectUri?: Sourced<string>;
  /** How the client secret is sent: HTTP Basic or the form body. */
  readonly clientAuth?: Sourced<ClientAuthMethod>;
  /** An RFC 8707 resource indicator sent with every token request. */
  readonly resource?: Sourced<string>;
  /** The name of the variable that holds a bearer token for the `token` flow (never the token). */
  readonly tokenEnv?: Sourced<string>;
}

/** Explicit values (the CLI's flags), by setting. */
export type ExplicitSettings = ProfileSettings & {
  /** The cluster by name, e.g. `westeurope-1`: the base URL `https://{cluster}.cognitedata.com`. */
  readonly cluster?: string;
};

/** A saved profile: settings without secrets, as plain strings. */
export type ProfileSettings = { readonly [K in keyof Settings]?: string };

/** Thrown for a setting that has a value but not one that can be used. */
export class SettingsError extends Error {
  /** `SettingsError`. */
  override readonly name = 'SettingsError';
}

/** Where a default that another tool chose comes from, as `--verbose` names it. */
export const TOOLKIT_DEFAULT = "the Cognite Toolkit's default";

/**
 * The Cognite Toolkit's own public client at Entra ID ("the default Cognite app registration for Entra
 * with device code enabled", `TOOLKIT_CLIENT_ENTRA_ID` in cognite_toolkit/_cdf_tk/constants.py), which
 * the Toolkit uses for Entra's device code. Here it is the default only where no `IDP_CLIENT_ID` is set.
 */
export const TOOLKIT_ENTRA_CLIENT_ID = 'fb9d503b-ac25-44c7-a75d-8fbcd3a206bd';

/**
 * The Cognite Toolkit's `LOGIN_FLOW` of each flow it has (`session` is read as `authorization-code` beside
 * them); `login --save-env` writes these.
 */
export const TOOLKIT_LOGIN_FLOWS: Readonly<Partial<Record<FlowName, string>>> = {
  'client-credentials': 'client_credentials',
  'device-code': 'device_code',
  'authorization-code': 'interactive',
  token: 'token',
};

/** The Cognite Toolkit's `PROVIDER` of each IdP it names. */
export const TOOLKIT_PROVIDERS: Readonly<Partial<Record<IdpProvider, string>>> = {
  entra: 'entra_id',
  auth0: 'auth0',
  cogidp: 'cdf',
  oidc: 'other',
};

/** Each value by its own name and by the Toolkit's. */
function byToolkitName<T extends string>(
  names: readonly T[],
  toolkit: Readonly<Partial<Record<T, string>>>,
): Readonly<Record<string, T>> {
  const theirs = Object.entries(toolkit).map(([name, their]) => [their, name]);
  return Object.fromEntries([...names.map((name) => [name, name]), ...theirs]);
}

/** Every name a flow is read by: its own, the Toolkit's, and the former ones. */
const FLOWS: Readonly<Record<string, FlowName>> = {
  ...byToolkitName<FlowName>(FLOW_NAMES, TOOLKIT_LOGIN_FLOWS),
  // The Toolkit's Cognite IdP sign-in, kept as a login.
  session: 'authorization-code',
  ...FORMER_FLOW_NAMES,
};

const PROVIDERS = byToolkitName<IdpProvider>(
  ['entra', 'auth0', 'cognito', 'okta', 'keycloak', 'cogidp', 'oidc'],
  TOOLKIT_PROVIDERS,
);

const CLIENT_AUTH: Readonly<Record<string, ClientAuthMethod>> = {
  basic: 'basic',
  post: 'post',
  client_secret_basic: 'basic',
  client_secret_post: 'post',
};

/**
 * An Entra v2 token URL (`{login host}/{tenant}/oauth2/v2.0/token`, also of the national clouds and of the
 * emulator's entra profile) names its login host and tenant: `IDP_TOKEN_URL` then gives both.
 */
const ENTRA_TOKEN_URL = /^(https?:\/\/[^/]+)\/([A-Za-z0-9.-]+)\/oauth2\/v2\.0\/token$/;

/** An Entra authority (`IDP_AUTHORITY_URL`): `{login host}/{tenant}`, with or without `/v2.0`. */
const ENTRA_AUTHORITY = /^(https?:\/\/[^/]+)\/([A-Za-z0-9.-]+)(\/v2\.0)?\/?$/;

/** The discovery document's suffix, which `IDP_DISCOVERY_URL` ends with and the issuer does not. */
const DISCOVERY_SUFFIX = /\/\.well-known\/openid-configuration$/;

type Layer = Readonly<Record<keyof Settings, { value: string; from: string } | undefined>>;

/** The first value of a setting across the layers, checked by `parse`. */
function pick<T>(
  layers: readonly Partial<Layer>[],
  key: keyof Settings,
  parse: (value: string, from: string) => T = (value) => value as T,
): Sourced<T> | undefined {
  for (const layer of layers) {
    const found = layer[key];
    if (found && found.value !== '') return { value: parse(found.value, found.from), from: found.from };
  }
  return undefined;
}

const named = (value: string | undefined, from: string) => (value === undefined ? undefined : { value, from });

/** The CLI flag of each explicit setting: the one table both the CLI's parsing and the sources use. */
export const SETTING_FLAGS: Readonly<Record<keyof ExplicitSettings, string>> = {
  baseUrl: '--base-url',
  cluster: '--cluster',
  project: '--project',
  flow: '--flow',
  provider: '--provider',
  issuer: '--issuer',
  authority: '--authority',
  tenant: '--tenant',
  clientId: '--client-id',
  clientSecretEnv: '--client-secret-env',
  scope: '--scope',
  audience: '--audience',
  org: '--org',
  tokenUrl: '--token-url',
  redirectUri: '--redirect-uri',
  clientAuth: '--client-auth',
  resource: '--resource',
  tokenEnv: '--token-env',
};

/** The base URL from a URL, else from a cluster name, each with its source. */
function baseUrlOf(url: Sourced<string | undefined>, cluster: Sourced<string | undefined>) {
  if (url.value) return { value: url.value, from: url.from };
  if (cluster.value) return { value: clusterUrl(cluster.value), from: cluster.from };
  return undefined;
}

/** The flags as a layer. */
function explicitLayer(flags: ExplicitSettings): Partial<Layer> {
  const layer: Partial<Record<keyof Settings, { value: string; from: string }>> = {};
  for (const [key, flag] of Object.entries(SETTING_FLAGS)) {
    const value = flags[key as keyof ExplicitSettings];
    if (value !== undefined && key !== 'baseUrl' && key !== 'cluster')
      layer[key as keyof Settings] = { value, from: flag };
  }
  const baseUrl = baseUrlOf(
    { value: flags.baseUrl, from: SETTING_FLAGS.baseUrl },
    { value: flags.cluster, from: SETTING_FLAGS.cluster },
  );
  return { ...layer, ...(baseUrl ? { baseUrl } : {}) };
}

/** The CDF ecosystem's variables as a layer, read as the Cognite Toolkit reads them. */
function environmentLayer(env: Readonly<Record<string, string | undefined>>): Partial<Layer> {
  const entraToken = env.IDP_TOKEN_URL ? ENTRA_TOKEN_URL.exec(env.IDP_TOKEN_URL) : null;
  const provider = env.PROVIDER ? PROVIDERS[env.PROVIDER] : undefined;
  // IDP_AUTHORITY_URL names Entra's login host and tenant; any other IdP's authority is its issuer.
  const entraAuthority =
    env.IDP_AUTHORITY_URL && (provider === undefined || provider === 'entra')
      ? ENTRA_AUTHORITY.exec(env.IDP_AUTHORITY_URL)
      : null;
  const entraFrom = entraToken ? 'IDP_TOKEN_URL' : entraAuthority ? 'IDP_AUTHORITY_URL' : undefined;
  const entraMatch = entraToken ?? entraAuthority;
  return {
    baseUrl: baseUrlOf({ value: env.CDF_URL, from: 'CDF_URL' }, { value: env.CDF_CLUSTER, from: 'CDF_CLUSTER' }),
    project: named(env.CDF_PROJECT, 'CDF_PROJECT'),
    flow: named(env.LOGIN_FLOW, 'LOGIN_FLOW'),
    provider: env.PROVIDER
      ? { value: env.PROVIDER, from: 'PROVIDER' }
      : entraFrom
        ? { value: 'entra', from: entraFrom }
        : undefined,
    issuer: env.IDP_DISCOVERY_URL
      ? { value: env.IDP_DISCOVERY_URL.replace(DISCOVERY_SUFFIX, ''), from: 'IDP_DISCOVERY_URL' }
      : env.IDP_AUTHORITY_URL && !entraAuthority
        ? { value: env.IDP_AUTHORITY_URL, from: 'IDP_AUTHORITY_URL' }
        : undefined,
    authority: entraMatch?.[1] && entraFrom ? { value: entraMatch[1], from: entraFrom } : undefined,
    tenant: env.IDP_TENANT_ID
      ? { value: env.IDP_TENANT_ID, from: 'IDP_TENANT_ID' }
      : entraMatch?.[2] && entraFrom
        ? { value: entraMatch[2], from: entraFrom }
        : undefined,
    clientId: named(env.IDP_CLIENT_ID, 'IDP_CLIENT_ID'),
    // The variable's name is the setting: the secret itself stays in the environment.
    clientSecretEnv: env.IDP_CLIENT_SECRET ? { value: 'IDP_CLIENT_SECRET', from: 'IDP_CLIENT_SECRET' } : undefined,
    // The Toolkit separates IDP_SCOPES with commas.
    scope: env.IDP_SCOPES ? { value: scopeList(env.IDP_SCOPES), from: 'IDP_SCOPES' } : undefined,
    audience: named(env.IDP_AUDIENCE, 'IDP_AUDIENCE'),
    // An Entra token URL was read as its tenant; any other IdP's is its token endpoint.
    tokenUrl: env.IDP_TOKEN_URL && !entraToken ? { value: env.IDP_TOKEN_URL, from: 'IDP_TOKEN_URL' } : undefined,
    tokenEnv: env.CDF_TOKEN ? { value: 'CDF_TOKEN', from: 'CDF_TOKEN' } : undefined,
    // Not a Toolkit variable: the organization a Cognite IdP person signs in to (`login --save-env` writes it).
    org: named(env.CDF_ORG, 'CDF_ORG'),
  };
}

/**
 * A base URL as given, refused with a message naming where it came from when it is not an http(s) URL or
 * names the API path every request adds itself.
 */
function baseUrlSetting(value: string, from: string): string {
  const shown = value.slice(0, 100);
  const example = 'e.g. https://westeurope-1.cognitedata.com';
  if (!URL.canParse(value)) throw new SettingsError(`${from} is not a URL ("${shown}"); ${example}.`);
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SettingsError(`${from} is not an http(s) URL ("${shown}"); ${example}.`);
  }
  if (/\/api\/v1\/?$/.test(url.pathname)) {
    throw new SettingsError(
      `${from} ends in /api/v1, which every request adds itself (the path would be doubled): use ${url.origin}.`,
    );
  }
  return value;
}

/** Scopes as one space-separated list, from commas (the Toolkit's `IDP_SCOPES`) or spaces. */
export function scopeList(scopes: string): string {
  return scopes
    .split(/[\s,]+/)
    .filter(Boolean)
    .join(' ');
}

/** A saved profile as a layer. */
function profileLayer(name: string, profile: ProfileSettings): Partial<Layer> {
  const layer: Partial<Record<keyof Settings, { value: string; from: string }>> = {};
  for (const [key, value] of Object.entries(profile)) {
    if (typeof value === 'string') layer[key as keyof Settings] = { value, from: `profile ${name}` };
  }
  return layer;
}

/**
 * The settings: explicit values first, then the environment's variables, then the profile.
 *
 * @example
 * ```ts
 * const settings = resolveSettings({ cluster: 'westeurope-1' }, { CDF_PROJECT: 'my-project' });
 * settings.baseUrl; // { value: 'https://westeurope-1.cognitedata.com', from: '--cluster' }
 * settings.project; // { value: 'my-project', from: 'CDF_PROJECT' }
 * ```
 */
export function resolveSettings(
  explicit: ExplicitSettings,
  env: Readonly<Record<string, string | undefined>>,
  profile?: { readonly name: string; readonly settings: ProfileSettings },
): Settings {
  const layers = [
    explicitLayer(explicit),
    environmentLayer(env),
    ...(profile ? [profileLayer(profile.name, profile.settings)] : []),
  ];
  const oneOf =
    <T>(table: Readonly<Record<string, T>>, what: string, shown = Object.keys(table)) =>
    (value: string, from: string): T => {
      const found = Object.hasOwn(table, value) ? table[value] : undefined;
      if (found === undefined) {
        throw new SettingsError(`${from} names no known ${what} ("${value.slice(0, 40)}"); use ${shown.join(', ')}.`);
      }
      return found;
    };
  // The former flow names are read, never suggested.
  const flowNames = Object.keys(FLOWS).filter((name) => !Object.hasOwn(FORMER_FLOW_NAMES, name));
  const settings: Record<string, Sourced<unknown> | undefined> = {
    baseUrl: pick(layers, 'baseUrl', baseUrlSetting),
    project: pick(layers, 'project'),
    flow: pick(layers, 'flow', oneOf(FLOWS, 'flow', flowNames)),
    provider: pick(layers, 'provider', oneOf(PROVIDERS, 'IdP')),
    issuer: pick(layers, 'issuer'),
    authority: pick(layers, 'authority'),
    tenant: pick(layers, 'tenant'),
    clientId: pick(layers, 'clientId'),
    clientSecretEnv: pick(layers, 'clientSecretEnv'),
    scope: pick(layers, 'scope', scopeList),
    audience: pick(layers, 'audience'),
    org: pick(layers, 'org'),
    tokenUrl: pick(layers, 'tokenUrl'),
    redirectUri: pick(layers, 'redirectUri'),
    clientAuth: pick(layers, 'clientAuth', oneOf(CLIENT_AUTH, 'client authentication')),
    resource: pick(layers, 'resource'),
    tokenEnv: pick(layers, 'tokenEnv'),
  };
  for (const key of Object.keys(settings)) if (settings[key] === undefined) delete settings[key];
  return withToolkitDefaults(settings as Settings);
}

/**
 * The Cognite Toolkit's defaults, where nothing else named the setting: Entra's device code with the
 * Toolkit's own public client and its scopes, Auth0's audience and scopes for the project, the `token`
 * flow's `CDF_TOKEN`.
 */
function withToolkitDefaults(settings: Settings): Settings {
  const provider = settings.provider?.value;
  const flow = settings.flow?.value;
  const cluster = settings.baseUrl ? new URL(settings.baseUrl.value).origin : undefined;
  const project = settings.project?.value;
  const byToolkit = <T>(value: T): Sourced<T> => ({ value, from: TOOLKIT_DEFAULT });
  const defaults: Partial<Record<keyof Settings, Sourced<string>>> = {};
  if (provider === 'entra' && flow === 'device-code' && !settings.clientId) {
    defaults.clientId = byToolkit(TOOLKIT_ENTRA_CLIENT_ID);
    if (cluster && !settings.scope) {
      // The Python SDK's OAuthDeviceCode.default_for_entra_id scopes.
      defaults.scope = byToolkit(`${cluster}/IDENTITY ${cluster}/user_impersonation profile openid offline_access`);
    }
  }
  if (provider === 'auth0') {
    if (project && !settings.audience)
      defaults.audience = byToolkit(`https://${project}.fusion.cognite.com/${project}`);
    if (!settings.scope) {
      // The Toolkit's `IDENTITY,user_impersonation`; a person's sign-in also needs an ID token and a refresh token.
      defaults.scope = byToolkit(
        flow === 'client-credentials'
          ? 'IDENTITY user_impersonation'
          : 'IDENTITY user_impersonation openid profile offline_access',
      );
    }
  }
  if (flow === 'token' && !settings.tokenEnv) defaults.tokenEnv = byToolkit('CDF_TOKEN');
  return { ...settings, ...defaults } as Settings;
}

/** The IdP preset the settings describe, or `undefined` when they name no IdP. */
export function presetOf(settings: Settings): IdpPreset | undefined {
  const baseUrl = settings.baseUrl?.value;
  const provider = settings.provider?.value ?? (settings.tenant && !settings.issuer ? 'entra' : undefined);
  if (provider === 'entra') {
    if (!settings.tenant) throw new SettingsError('Entra ID needs the tenant: --tenant or IDP_TENANT_ID.');
    if (!baseUrl) throw new SettingsError('Entra ID needs the cluster: --cluster, --base-url, CDF_CLUSTER or CDF_URL.');
    return entra({
      tenant: settings.tenant.value,
      baseUrl,
      ...(settings.authority ? { authority: settings.authority.value } : {}),
    });
  }
  if (provider === 'cogidp') {
    return cogidp({
      ...(settings.org ? { org: settings.org.value } : {}),
      ...(settings.issuer ? { issuer: settings.issuer.value } : {}),
    });
  }
  const tokenUrl = settings.tokenUrl?.value;
  if (provider === 'auth0') {
    // Auth0's token URL (`https://{domain}/oauth/token`) names its domain, and so the issuer.
    const domain = settings.issuer?.value ?? (tokenUrl ? new URL(tokenUrl).origin : undefined);
    if (!domain) throw new SettingsError('Auth0 needs the tenant: --issuer https://{domain}/ or IDP_TOKEN_URL.');
    if (!settings.audience) throw new SettingsError('Auth0 needs the API audience: --audience or IDP_AUDIENCE.');
    return auth0Preset({ domain, audience: settings.audience.value });
  }
  const issuer = settings.issuer?.value;
  if (!issuer && !tokenUrl) return undefined;
  const audience = settings.audience ? { audience: settings.audience.value } : undefined;
  const generic = oidcPreset({
    issuer: issuer ?? new URL(tokenUrl as string).origin,
    ...(baseUrl ? { baseUrl } : {}),
    ...(audience ? { authorizationParams: audience, tokenParams: audience } : {}),
  });
  // Only a token URL: client credentials at that endpoint, without discovery (as the Toolkit calls it).
  const endpoint = !issuer && tokenUrl ? { tokenEndpoint: tokenUrl } : {};
  if (provider === 'cognito') {
    const { userScope, serviceScope } = cognitoPreset({
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_x',
      ...(baseUrl ? { baseUrl } : {}),
    });
    const { redirectUris } = cognitoPreset({ region: 'eu-west-1', userPoolId: 'eu-west-1_x' });
    return {
      ...generic,
      ...endpoint,
      provider,
      userScope,
      serviceScope,
      deviceFlow: false,
      ...(redirectUris ? { redirectUris } : {}),
    };
  }
  // A named IdP keeps its own scope rules (no `{cluster}/.default`); its issuer is the one given, as the
  // preset function would have built it.
  const rules = provider && Object.hasOwn(PROVIDER_RULES, provider) ? PROVIDER_RULES[provider] : undefined;
  return rules ? { ...generic, ...endpoint, provider: provider as IdpProvider, ...rules } : { ...generic, ...endpoint };
}

/** What `okta()` and `keycloak()` ask for beyond their issuer, for settings that name the IdP. */
const PROVIDER_RULES: Readonly<
  Record<string, Pick<IdpPreset, 'userScope' | 'serviceScope' | 'deviceFlow' | 'redirectUris'>>
> = {
  okta: {
    userScope: 'offline_access openid profile',
    serviceScope: '',
    deviceFlow: true,
    redirectUris: [COGNITE_SDK_REDIRECT_URI],
  },
  keycloak: { userScope: 'offline_access openid profile', serviceScope: '', deviceFlow: true },
};

/** Lines that say where each setting came from, for `--verbose` (never a secret: only names and URLs). */
export function describeSettings(settings: Settings): string[] {
  return Object.entries(settings).map(([key, sourced]) => {
    const { value, from } = sourced as Sourced<string>;
    return `${key}: ${value} (from ${from})`;
  });
}
