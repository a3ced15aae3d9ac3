/**
 * The CDF ecosystem's configuration, as the Cognite Toolkit and the Python SDK's examples write it in a
 * project's `.env`: `CDF_CLUSTER`, `CDF_URL`, `CDF_PROJECT`, `IDP_CLIENT_ID`, `IDP_CLIENT_SECRET`,
 * `IDP_TENANT_ID`, `IDP_TOKEN_URL`, `IDP_SCOPES`, `IDP_AUDIENCE`, `LOGIN_FLOW`, `PROVIDER`. Settings come
 * from explicit values first, then those variables, then a saved profile; each remembers where it came
 * from. Plain data: the caller passes the environment in.
 */
import {
  auth0 as auth0Preset,
  clusterUrl,
  entra,
  type IdpPreset,
  type IdpProvider,
  oidc as oidcPreset,
} from './idp-presets.js';

/** A setting's value and where it came from (`--cluster`, `CDF_CLUSTER`, `profile prod`, ...). */
export interface Sourced<T> {
  /** The value. */
  readonly value: T;
  /** Where it came from: a flag (`--project`), a variable's name (`CDF_PROJECT`) or `profile NAME`. */
  readonly from: string;
}

/** The sign-in flows by their CLI names. */
export type FlowName = 'code' | 'device' | 'client-credentials' | 'login-url' | 'api-key';

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
  /** The scopes, where the preset's are not wanted. */
  readonly scope?: Sourced<string>;
  /** Auth0's API identifier. */
  readonly audience?: Sourced<string>;
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

const FLOWS: Readonly<Record<string, FlowName>> = {
  code: 'code',
  device: 'device',
  'client-credentials': 'client-credentials',
  'login-url': 'login-url',
  'api-key': 'api-key',
  // LOGIN_FLOW as the Cognite Toolkit names them.
  client_credentials: 'client-credentials',
  interactive: 'code',
  device_code: 'device',
};

const PROVIDERS: Readonly<Record<string, IdpProvider>> = {
  entra: 'entra',
  auth0: 'auth0',
  cognito: 'cognito',
  okta: 'okta',
  keycloak: 'keycloak',
  oidc: 'oidc',
  // PROVIDER as the Cognite Toolkit names them.
  entra_id: 'entra',
  other: 'oidc',
  cdf: 'oidc',
};

/**
 * An Entra v2 token URL (`{login host}/{tenant}/oauth2/v2.0/token`, also of the national clouds and of the
 * emulator's entra profile) names its login host and tenant: `IDP_TOKEN_URL` then gives both.
 */
const ENTRA_TOKEN_URL = /^(https?:\/\/[^/]+)\/([A-Za-z0-9.-]+)\/oauth2\/v2\.0\/token$/;

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

/** The CDF ecosystem's variables as a layer. */
function environmentLayer(env: Readonly<Record<string, string | undefined>>): Partial<Layer> {
  const tokenUrl = env.IDP_TOKEN_URL ? ENTRA_TOKEN_URL.exec(env.IDP_TOKEN_URL) : null;
  return {
    baseUrl: baseUrlOf({ value: env.CDF_URL, from: 'CDF_URL' }, { value: env.CDF_CLUSTER, from: 'CDF_CLUSTER' }),
    project: named(env.CDF_PROJECT, 'CDF_PROJECT'),
    flow: named(env.LOGIN_FLOW, 'LOGIN_FLOW'),
    provider: env.PROVIDER
      ? { value: env.PROVIDER, from: 'PROVIDER' }
      : tokenUrl
        ? { value: 'entra', from: 'IDP_TOKEN_URL' }
        : undefined,
    authority: tokenUrl?.[1] ? { value: tokenUrl[1], from: 'IDP_TOKEN_URL' } : undefined,
    tenant: env.IDP_TENANT_ID
      ? { value: env.IDP_TENANT_ID, from: 'IDP_TENANT_ID' }
      : tokenUrl?.[2]
        ? { value: tokenUrl[2], from: 'IDP_TOKEN_URL' }
        : undefined,
    clientId: named(env.IDP_CLIENT_ID, 'IDP_CLIENT_ID'),
    // The variable's name is the setting: the secret itself stays in the environment.
    clientSecretEnv: env.IDP_CLIENT_SECRET ? { value: 'IDP_CLIENT_SECRET', from: 'IDP_CLIENT_SECRET' } : undefined,
    scope: named(env.IDP_SCOPES, 'IDP_SCOPES'),
    audience: named(env.IDP_AUDIENCE, 'IDP_AUDIENCE'),
  };
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
    <T>(table: Readonly<Record<string, T>>, what: string) =>
    (value: string, from: string): T => {
      const found = Object.hasOwn(table, value) ? table[value] : undefined;
      if (found === undefined) {
        throw new SettingsError(
          `${from} names no known ${what} ("${value.slice(0, 40)}"); use ${Object.keys(table).join(', ')}.`,
        );
      }
      return found;
    };
  const settings: Record<string, Sourced<unknown> | undefined> = {
    baseUrl: pick(layers, 'baseUrl'),
    project: pick(layers, 'project'),
    flow: pick(layers, 'flow', oneOf(FLOWS, 'flow')),
    provider: pick(layers, 'provider', oneOf(PROVIDERS, 'IdP')),
    issuer: pick(layers, 'issuer'),
    authority: pick(layers, 'authority'),
    tenant: pick(layers, 'tenant'),
    clientId: pick(layers, 'clientId'),
    clientSecretEnv: pick(layers, 'clientSecretEnv'),
    scope: pick(layers, 'scope'),
    audience: pick(layers, 'audience'),
  };
  for (const key of Object.keys(settings)) if (settings[key] === undefined) delete settings[key];
  return settings as Settings;
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
  if (!settings.issuer) return undefined;
  if (provider === 'auth0') {
    if (!settings.audience) throw new SettingsError('Auth0 needs the API audience: --audience or IDP_AUDIENCE.');
    return auth0Preset({ domain: settings.issuer.value, audience: settings.audience.value });
  }
  const audience = settings.audience ? { audience: settings.audience.value } : undefined;
  const generic = oidcPreset({
    issuer: settings.issuer.value,
    ...(baseUrl ? { baseUrl } : {}),
    ...(audience ? { authorizationParams: audience, tokenParams: audience } : {}),
  });
  // A named IdP keeps its own scope rules (no `{cluster}/.default`, Cognito without a device flow); its
  // issuer is the one given, as the preset function would have built it.
  const rules = provider && Object.hasOwn(PROVIDER_RULES, provider) ? PROVIDER_RULES[provider] : undefined;
  return rules ? { ...generic, provider: provider as IdpProvider, ...rules } : generic;
}

/** What `cognito()`, `okta()` and `keycloak()` ask for beyond their issuer, for settings that name the IdP. */
const PROVIDER_RULES: Readonly<Record<string, Pick<IdpPreset, 'userScope' | 'serviceScope' | 'deviceFlow'>>> = {
  cognito: { userScope: 'openid profile', serviceScope: '', deviceFlow: false },
  okta: { userScope: 'offline_access openid profile', serviceScope: '', deviceFlow: true },
  keycloak: { userScope: 'offline_access openid profile', serviceScope: '', deviceFlow: true },
};

/** Lines that say where each setting came from, for `--verbose` (never a secret: only names and URLs). */
export function describeSettings(settings: Settings): string[] {
  return Object.entries(settings).map(([key, sourced]) => {
    const { value, from } = sourced as Sourced<string>;
    return `${key}: ${value} (from ${from})`;
  });
}
