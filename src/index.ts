/**
 * `cdf-authflow`: every way an application authenticates to Cognite Data Fusion, as explicit, typed
 * XState v5 machines, with the protocol helpers a driver needs. Node drivers are in
 * `cdf-authflow/node`, the local emulator in `cdf-authflow/emulator`, the bare machines in
 * `cdf-authflow/machines`.
 *
 * Not exported on purpose: the machines (in `cdf-authflow/machines`, so that each is imported once), the
 * emulator (it pulls in `oidc-provider` and Koa), anything that needs Node built-ins (this entry stays
 * safe for bundlers and browsers), and the helpers the drivers share among themselves (flow ids, the
 * callback parameter names, the redaction key test).
 * @module cdf-authflow
 */
// The machines themselves are in `cdf-authflow/machines`; here only the types their results come in.
export type { ApiKeyStatus } from '../machines/api-key.js';
export type { ServiceSignIn } from '../machines/client-credentials.js';
export type { LoginUrlSession } from '../machines/login-url.js';
export type { Failure, FailureCode, IdpDiagnostics } from '../machines/shared/failure.js';
export { FAILURE_CODES, isFailureCode } from '../machines/shared/failure.js';
export { DEFAULT_LEEWAY_MS, isFresh } from '../machines/shared/freshness.js';
export type { IdClaims, Inspection, OidcSignIn, TokenSet } from '../machines/shared/tokens.js';
export {
  type Auth0Options,
  auth0,
  COGNITE_IDP_ISSUER,
  COGNITE_IDP_REDIRECT_URIS,
  COGNITE_SDK_REDIRECT_URI,
  type CogIdpOptions,
  type CognitoOptions,
  cdfScopes,
  clusterUrl,
  cogidp,
  cognito,
  type EntraOptions,
  entra,
  type GenericOidcOptions,
  type IdpPreset,
  type IdpProvider,
  idpName,
  type KeycloakOptions,
  keycloak,
  type OktaOptions,
  oidc,
  okta,
} from './config/idp-presets.js';
export type { IdpChoice, ResolvedIdp } from './config/resolve-idp.js';
export {
  type ClientAuthMethod,
  describeSettings,
  type ExplicitSettings,
  type FlowName,
  type ProfileSettings,
  presetOf,
  resolveSettings,
  type Settings,
  SettingsError,
  type Sourced,
  scopeList,
  TOOLKIT_DEFAULT,
  TOOLKIT_ENTRA_CLIENT_ID,
} from './config/settings.js';
export { AuthFlowError, isAuthFlowError, whereItFailed } from './errors/auth-flow-error.js';
export { InvalidArgumentError } from './errors/invalid-argument.js';
export { parseLoginCallback, stripLoginCallback } from './protocol/callback/login-url.js';
export {
  type CdfClient,
  type CdfClientOptions,
  type CdfCredentials,
  createCdfClient,
  type LoginStatus,
  type LoginUrlParams,
  type TokenInspection,
  type TokenStatus,
} from './protocol/cdf.js';
export { type OrganizationProject, organizationProjects } from './protocol/cognite-idp.js';
export type { CallOptions, HttpOptions, JsonAnswer } from './protocol/http.js';
export { createOidcClient, type OidcClient, type OidcClientOptions } from './protocol/oidc.js';
export { REDACTED, redact, redactText } from './protocol/redact.js';
export {
  type InspectObserver,
  type InspectOptions,
  redactInspectionEvent,
} from './protocol/redact-inspection.js';
export { VERSION } from './protocol/version.js';
export type { CdfSession, RemoteLogout, SignInKind } from './session/cdf-session.js';
export { type CdfSessionOptions, createCdfSession, type SignIn } from './session/create-cdf-session.js';
export type {
  CredentialListener,
  CredentialStore,
  RenewLock,
  RenewLockOptions,
  StoreCallOptions,
  StoreWriteOptions,
  Versioned,
  WriteResult,
} from './session/credential-store.js';
export { createMemoryCredentialStore, createMemoryRenewLock } from './session/memory-credential-store.js';
export type { OidcRenewalOptions, OidcSessionSignIn } from './session/oidc-session.js';
export type { SessionSharing } from './session/session.js';
export { type DiagramFormat, type MachineGraph, machineGraph, renderDiagram } from './viz/diagram.js';
