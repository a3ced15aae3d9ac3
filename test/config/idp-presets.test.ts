/** What each IdP preset asks for, and how the CDF ecosystem's settings resolve: flags > environment > profile. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { machinesByName } from '../../machines/index.js';
import { auth0, cdfScopes, clusterUrl, cognito, entra, keycloak, oidc, okta } from '../../src/config/idp-presets.js';
import {
  describeSettings,
  FLOW_NAMES,
  type FlowName,
  presetOf,
  resolveSettings,
  SettingsError,
} from '../../src/config/settings.js';

const CLUSTER = 'https://westeurope-1.cognitedata.com';

describe('clusterUrl and cdfScopes', () => {
  it('a cluster name is a cognitedata.com host; anything else is refused before a request is made', () => {
    expect(clusterUrl('westeurope-1')).toBe(CLUSTER);
    for (const bad of ['', 'a.b', 'evil.example/x', 'West', '-x', 'x'.repeat(64)])
      expect(() => clusterUrl(bad)).toThrow(TypeError);
  });

  it('the default scopes name the cluster origin, for people with a refresh and an ID token', () => {
    expect(cdfScopes(`${CLUSTER}/some/path`)).toEqual({
      user: `${CLUSTER}/.default offline_access openid profile`,
      service: `${CLUSTER}/.default`,
    });
  });
});

describe('presets', () => {
  it('entra: the v2 authority of the tenant, the cluster scope, or the impersonation pair', () => {
    const preset = entra({ tenant: 'contoso.onmicrosoft.com', cluster: 'westeurope-1' });
    expect(preset).toMatchObject({
      provider: 'entra',
      issuer: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0',
      userScope: `${CLUSTER}/.default offline_access openid profile`,
      serviceScope: `${CLUSTER}/.default`,
      deviceFlow: true,
    });
    expect(entra({ tenant: 'organizations', baseUrl: CLUSTER, scopes: 'impersonation' }).userScope).toBe(
      `${CLUSTER}/user_impersonation ${CLUSTER}/IDENTITY offline_access openid profile`,
    );
    expect(entra({ tenant: 't', baseUrl: CLUSTER, authority: 'https://login.microsoftonline.us/' }).issuer).toBe(
      'https://login.microsoftonline.us/t/v2.0',
    );
    expect(() => entra({ tenant: 'a/b', cluster: 'x' })).toThrow(TypeError);
    expect(() => entra({ tenant: 't' })).toThrow(/cluster/);
  });

  it('auth0: the issuer with its trailing slash, the audience on every request, required', () => {
    const preset = auth0({ domain: 'my.eu.auth0.com', audience: 'https://api' });
    expect(preset.issuer).toBe('https://my.eu.auth0.com/');
    expect(preset.authorizationParams).toEqual({ audience: 'https://api' });
    expect(preset.tokenParams).toEqual({ audience: 'https://api' });
    expect(auth0({ domain: 'https://my.eu.auth0.com/', audience: 'a' }).issuer).toBe('https://my.eu.auth0.com/');
    expect(() => auth0({ domain: 'my.eu.auth0.com', audience: '' })).toThrow(/audience/);
    expect(() => auth0({ domain: 'a b', audience: 'x' })).toThrow(TypeError);
  });

  it("cognito: the user pool issuer, CDF's resource-server scopes, no offline_access, no device flow", () => {
    const preset = cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbC123', serviceScope: 'cdf/read' });
    expect(preset).toMatchObject({
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123',
      userScope: 'openid https://cognitedata.com/IDENTITY https://cognitedata.com/user_impersonation',
      serviceScope: 'cdf/read',
      deviceFlow: false,
    });
    // A service asks for the cluster's scope of the `https:/` resource server CDF's set-up registers.
    expect(cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbC123', cluster: 'westeurope-1' }).serviceScope).toBe(
      'https://westeurope-1.cognitedata.com',
    );
    expect(() => cognito({ region: 'eu', userPoolId: 'x_y' })).toThrow(TypeError);
    expect(() => cognito({ region: 'eu-west-1', userPoolId: 'nounderscore' })).toThrow(TypeError);
  });

  it('okta, keycloak and oidc', () => {
    expect(okta({ domain: 'org.okta.com' }).issuer).toBe('https://org.okta.com/oauth2/default');
    expect(okta({ domain: 'org.okta.com', authorizationServer: null }).issuer).toBe('https://org.okta.com');
    expect(keycloak({ url: 'https://sso.example/', realm: 'cdf prod' }).issuer).toBe(
      'https://sso.example/realms/cdf%20prod',
    );
    expect(oidc({ issuer: 'https://idp.example', cluster: 'westeurope-1' }).userScope).toBe(
      `${CLUSTER}/.default offline_access openid profile`,
    );
    expect(oidc({ issuer: 'https://idp.example' }).userScope).toBe('offline_access openid profile');
    expect(oidc({ issuer: 'https://idp.example', userScope: 'openid' }).userScope).toBe('openid');
  });
});

describe('resolveSettings', () => {
  const env = {
    CDF_CLUSTER: 'westeurope-1',
    CDF_PROJECT: 'from-env',
    IDP_CLIENT_ID: 'env-client',
    IDP_CLIENT_SECRET: 'the-secret-value',
    IDP_TOKEN_URL: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token',
    LOGIN_FLOW: 'client_credentials',
  };

  it('flags beat the environment, the environment beats the profile, and each says where it came from', () => {
    const settings = resolveSettings({ project: 'from-flag' }, env, {
      name: 'prod',
      settings: { project: 'from-profile', audience: 'from-profile' },
    });
    expect(settings.project).toEqual({ value: 'from-flag', from: '--project' });
    expect(settings.baseUrl).toEqual({ value: CLUSTER, from: 'CDF_CLUSTER' });
    expect(settings.clientId).toEqual({ value: 'env-client', from: 'IDP_CLIENT_ID' });
    expect(settings.audience).toEqual({ value: 'from-profile', from: 'profile prod' });
    expect(settings.flow).toEqual({ value: 'client-credentials', from: 'LOGIN_FLOW' });
    expect(settings.tenant?.value).toBe('72f988bf-86f1-41af-91ab-2d7cd011db47');
    expect(settings.provider).toEqual({ value: 'entra', from: 'IDP_TOKEN_URL' });
  });

  it('the client secret is named, never held: its setting is the variable IDP_CLIENT_SECRET', () => {
    const settings = resolveSettings({}, env);
    expect(settings.clientSecretEnv).toEqual({ value: 'IDP_CLIENT_SECRET', from: 'IDP_CLIENT_SECRET' });
    expect(JSON.stringify(settings)).not.toContain('the-secret-value');
    expect(describeSettings(settings).join('\n')).not.toContain('the-secret-value');
  });

  it('CDF_URL beats CDF_CLUSTER, --base-url beats --cluster; an empty variable counts as unset', () => {
    expect(resolveSettings({}, { CDF_URL: 'https://x.example', CDF_CLUSTER: 'y' }).baseUrl?.value).toBe(
      'https://x.example',
    );
    expect(resolveSettings({ baseUrl: 'https://a.example', cluster: 'b' }, {}).baseUrl?.from).toBe('--base-url');
    expect(resolveSettings({}, { CDF_PROJECT: '' }).project).toBeUndefined();
  });

  it("the Toolkit's LOGIN_FLOW and PROVIDER names map to flows and presets; unknown ones name their source", () => {
    expect(resolveSettings({}, { LOGIN_FLOW: 'interactive' }).flow?.value).toBe('authorization-code');
    expect(resolveSettings({}, { LOGIN_FLOW: 'device_code' }).flow?.value).toBe('device-code');
    expect(resolveSettings({}, { PROVIDER: 'entra_id' }).provider?.value).toBe('entra');
    expect(() => resolveSettings({}, { LOGIN_FLOW: 'magic' })).toThrow(SettingsError);
    expect(() => resolveSettings({}, { LOGIN_FLOW: 'magic' })).toThrow(/LOGIN_FLOW/);
    expect(() => resolveSettings({ flow: 'toString' }, {})).toThrow(/--flow/);
  });

  it("a flow has one name, its machine's (and token); the former code and device are read as it, never shown", () => {
    expectTypeOf<(typeof FLOW_NAMES)[number]>().toEqualTypeOf<FlowName>();
    const machines = Object.keys(machinesByName).filter((name) => name !== 'session');
    expect([...FLOW_NAMES].sort()).toEqual([...machines, 'token'].sort());
    for (const name of FLOW_NAMES) expect(resolveSettings({ flow: name }, {}).flow?.value).toBe(name);
    expect(resolveSettings({ flow: 'code' }, {}).flow).toEqual({ value: 'authorization-code', from: '--flow' });
    expect(resolveSettings({}, { LOGIN_FLOW: 'device' }).flow).toEqual({ value: 'device-code', from: 'LOGIN_FLOW' });
    const profile = { name: 'old', settings: { flow: 'code' } };
    expect(resolveSettings({}, {}, profile).flow?.value).toBe('authorization-code');
    const refused = (() => {
      try {
        resolveSettings({ flow: 'magic' }, {});
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(refused).toMatch(/use authorization-code, device-code, client-credentials, token, login-url, api-key, /);
    expect(refused).not.toMatch(/ (code|device)[,.]/);
  });

  it('presetOf: a tenant means Entra; Entra needs tenant and cluster; Auth0 its audience; an issuer alone is generic', () => {
    const entraPreset = presetOf(resolveSettings({ tenant: 't', cluster: 'westeurope-1' }, {}));
    expect(entraPreset?.provider).toBe('entra');
    expect(() => presetOf(resolveSettings({ provider: 'entra', cluster: 'westeurope-1' }, {}))).toThrow(/tenant/);
    expect(() => presetOf(resolveSettings({ tenant: 't' }, {}))).toThrow(/cluster/);
    expect(() => presetOf(resolveSettings({ provider: 'auth0', issuer: 'https://a.auth0.com/' }, {}))).toThrow(
      /audience/,
    );
    const generic = presetOf(resolveSettings({ issuer: 'https://idp.example', audience: 'api' }, {}));
    expect(generic).toMatchObject({ provider: 'oidc', tokenParams: { audience: 'api' } });
    expect(presetOf(resolveSettings({}, {}))).toBeUndefined();
  });
});

describe('presetOf for the providers without a preset function of their own in the settings', () => {
  it('--provider cognito asks for Cognito scopes and knows it has no device flow; okta and keycloak no .default', () => {
    const base = { issuer: 'https://idp.example', cluster: 'westeurope-1' };
    expect(presetOf(resolveSettings({ ...base, provider: 'cognito' }, {}))).toMatchObject({
      provider: 'cognito',
      userScope: 'openid https://cognitedata.com/IDENTITY https://cognitedata.com/user_impersonation',
      serviceScope: 'https://westeurope-1.cognitedata.com',
      deviceFlow: false,
    });
    for (const provider of ['okta', 'keycloak']) {
      expect(presetOf(resolveSettings({ ...base, provider }, {}))).toMatchObject({
        provider,
        userScope: 'offline_access openid profile',
        serviceScope: '',
      });
    }
  });
});
