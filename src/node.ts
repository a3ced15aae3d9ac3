/**
 * `cdf-authflow/node`: the Node driver. Runs the flows with real effects: CDF over HTTP, the system
 * browser (or a printed URL, or a headless browser for tests), a loopback listener on 127.0.0.1, and a
 * token cache file with mode 0600.
 *
 * @example
 * ```ts
 * import { loginWithLoginUrl } from 'cdf-authflow/node';
 * const session = await loginWithLoginUrl({ baseUrl: 'https://api.cognitedata.com', project: 'my-project' });
 * ```
 * @module cdf-authflow/node
 */

export { type DefaultCredentialOptions, defaultCredential } from './drivers/node/default-credential.js';
export {
  type ApiKeyFlowOptions,
  type LoginUrlFlowOptions,
  loginWithApiKey,
  loginWithLoginUrl,
} from './drivers/node/legacy.js';
export {
  type AuthorizationCodeFlowOptions,
  type ClientCredentialsFlowOptions,
  type DeviceCodeFlowOptions,
  loginWithAuthorizationCode,
  loginWithClientCredentials,
  loginWithDeviceCode,
  type OidcFlowOptions,
  type PickedProject,
  type WithIdp,
} from './drivers/node/oidc.js';
export { headlessOpener, type Opener, printUrlOpener, systemBrowserOpener } from './drivers/node/opener.js';
export type { FlowOptions, FlowTransition } from './drivers/node/run-flow.js';
export type { UserCode } from './flows/device-code.js';
export { createFileCredentials, type FileCredentials, fileCredentialKey } from './stores/file-credential-store.js';
export {
  type CachedApiKeyLogin,
  type CachedLoginUrlSession,
  type CachedOidcLogin,
  type CachedTokenLogin,
  type CacheEntry,
  type CurrentLogin,
  createFileTokenStore,
  defaultCacheDir,
  type TokenStore,
} from './stores/file-token-store.js';
