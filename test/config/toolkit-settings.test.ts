/**
 * The Cognite Toolkit's variables as it writes and reads them (cognite_toolkit/_cdf_tk/utils/auth.py):
 * each becomes the setting it means, with its source, and the Toolkit's defaults are named as such.
 */
import { describe, expect, it } from 'vitest';
import { COGNITE_IDP_ISSUER, COGNITE_IDP_REDIRECT_URIS } from '../../src/config/idp-presets.js';
import {
  presetOf,
  resolveSettings,
  scopeList,
  TOOLKIT_DEFAULT,
  TOOLKIT_ENTRA_CLIENT_ID,
} from '../../src/config/settings.js';

const cluster = { CDF_CLUSTER: 'bluefield', CDF_PROJECT: 'my-project' };

describe("the Toolkit's variables", () => {
  it('IDP_SCOPES is comma-separated (the Toolkit splits on ","); spaces work too', () => {
    expect(resolveSettings({}, { IDP_SCOPES: 'IDENTITY,user_impersonation' }).scope).toEqual({
      value: 'IDENTITY user_impersonation',
      from: 'IDP_SCOPES',
    });
    expect(scopeList(' a, b  c,,d ')).toBe('a b c d');
  });

  it('PROVIDER=cdf is Cognite IdP: its issuer, its scopes, the Toolkit redirects, no device flow', () => {
    const settings = resolveSettings({}, { ...cluster, PROVIDER: 'cdf', LOGIN_FLOW: 'session', CDF_ORG: 'my-org' });
    expect(settings.provider).toEqual({ value: 'cogidp', from: 'PROVIDER' });
    expect(settings.flow).toEqual({ value: 'authorization-code', from: 'LOGIN_FLOW' });
    expect(presetOf(settings)).toMatchObject({
      provider: 'cogidp',
      issuer: COGNITE_IDP_ISSUER,
      userScope: 'openid profile email offline_access',
      serviceScope: '',
      authorizationParams: { organization_hint: 'my-org' },
      deviceFlow: false,
      redirectUris: COGNITE_IDP_REDIRECT_URIS,
    });
    expect(COGNITE_IDP_REDIRECT_URIS[0]).toBe('http://localhost:3000/');
    expect(COGNITE_IDP_REDIRECT_URIS.at(-1)).toBe('http://localhost:3110/');
  });

  it('LOGIN_FLOW=token reads CDF_TOKEN by name (never the token)', () => {
    const settings = resolveSettings({}, { ...cluster, LOGIN_FLOW: 'token', CDF_TOKEN: 'eyJ.secret.x' });
    expect(settings.flow?.value).toBe('token');
    expect(settings.tokenEnv).toEqual({ value: 'CDF_TOKEN', from: 'CDF_TOKEN' });
    expect(JSON.stringify(settings)).not.toContain('eyJ.secret.x');
  });

  it("IDP_TOKEN_URL of any IdP is kept: Entra's names the tenant, another one is the token endpoint used without discovery", () => {
    const entra = resolveSettings(
      {},
      { IDP_TOKEN_URL: 'https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token' },
    );
    expect(entra.tenant).toEqual({ value: 'contoso.com', from: 'IDP_TOKEN_URL' });
    expect(entra.tokenUrl).toBeUndefined();
    const other = resolveSettings(
      {},
      {
        ...cluster,
        PROVIDER: 'other',
        IDP_TOKEN_URL: 'https://idp.example.com/oauth2/token',
        IDP_AUDIENCE: 'api://cdf',
      },
    );
    expect(other.tokenUrl).toEqual({ value: 'https://idp.example.com/oauth2/token', from: 'IDP_TOKEN_URL' });
    expect(presetOf(other)).toMatchObject({
      provider: 'oidc',
      issuer: 'https://idp.example.com',
      tokenEndpoint: 'https://idp.example.com/oauth2/token',
      tokenParams: { audience: 'api://cdf' },
    });
    // Auth0's token URL names its domain, so its issuer.
    const auth0 = resolveSettings(
      {},
      { ...cluster, PROVIDER: 'auth0', IDP_TOKEN_URL: 'https://t.eu.auth0.com/oauth/token' },
    );
    expect(presetOf(auth0)).toMatchObject({ provider: 'auth0', issuer: 'https://t.eu.auth0.com/' });
    expect(presetOf(auth0)?.tokenEndpoint).toBeUndefined();
  });

  it("IDP_AUTHORITY_URL is Entra's login host and tenant, or another IdP's issuer; IDP_DISCOVERY_URL is the issuer", () => {
    const entra = resolveSettings(
      {},
      { ...cluster, IDP_AUTHORITY_URL: 'https://login.microsoftonline.com/contoso.com' },
    );
    expect(entra.provider).toEqual({ value: 'entra', from: 'IDP_AUTHORITY_URL' });
    expect(entra.authority?.value).toBe('https://login.microsoftonline.com');
    expect(entra.tenant?.value).toBe('contoso.com');
    const auth0 = resolveSettings({}, { ...cluster, PROVIDER: 'auth0', IDP_AUTHORITY_URL: 'https://t.eu.auth0.com/' });
    expect(auth0.issuer).toEqual({ value: 'https://t.eu.auth0.com/', from: 'IDP_AUTHORITY_URL' });
    const other = resolveSettings(
      {},
      { PROVIDER: 'other', IDP_DISCOVERY_URL: 'https://idp.example.com/realms/cdf/.well-known/openid-configuration' },
    );
    expect(other.issuer).toEqual({ value: 'https://idp.example.com/realms/cdf', from: 'IDP_DISCOVERY_URL' });
  });

  it("Entra device code without IDP_CLIENT_ID: the Toolkit's public client and scopes, named as its default", () => {
    const settings = resolveSettings(
      {},
      { ...cluster, PROVIDER: 'entra_id', LOGIN_FLOW: 'device_code', IDP_TENANT_ID: 't' },
    );
    expect(settings.clientId).toEqual({ value: TOOLKIT_ENTRA_CLIENT_ID, from: TOOLKIT_DEFAULT });
    expect(TOOLKIT_ENTRA_CLIENT_ID).toBe('fb9d503b-ac25-44c7-a75d-8fbcd3a206bd');
    expect(settings.scope?.value).toBe(
      'https://bluefield.cognitedata.com/IDENTITY https://bluefield.cognitedata.com/user_impersonation profile openid offline_access',
    );
    // A client id that is set wins.
    expect(
      resolveSettings({}, { ...cluster, LOGIN_FLOW: 'device_code', IDP_TENANT_ID: 't', IDP_CLIENT_ID: 'mine' }).clientId
        ?.value,
    ).toBe('mine');
  });

  it("Auth0: the audience of the project's API and IDENTITY user_impersonation, as the Toolkit's defaults", () => {
    const settings = resolveSettings({}, { ...cluster, PROVIDER: 'auth0', LOGIN_FLOW: 'client_credentials' });
    expect(settings.audience).toEqual({
      value: 'https://my-project.fusion.cognite.com/my-project',
      from: TOOLKIT_DEFAULT,
    });
    expect(settings.scope).toEqual({ value: 'IDENTITY user_impersonation', from: TOOLKIT_DEFAULT });
  });

  it('an unknown PROVIDER or LOGIN_FLOW names the variable and the values it takes', () => {
    expect(() => resolveSettings({}, { LOGIN_FLOW: 'magic' })).toThrow(/LOGIN_FLOW names no known flow.*session/);
    expect(() => resolveSettings({}, { PROVIDER: 'google' })).toThrow(/PROVIDER names no known IdP.*cdf/);
    expect(() => resolveSettings({ clientAuth: 'jwt' }, {})).toThrow(
      /--client-auth names no known client authentication/,
    );
  });
});
