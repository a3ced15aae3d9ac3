/**
 * `cdf-authflow`: every way an application authenticates to Cognite Data Fusion, as explicit, typed
 * XState v5 machines, with the protocol helpers a driver needs. Node drivers are in
 * `cdf-authflow/node`, the local emulator in `cdf-authflow/emulator`, the bare machines in
 * `cdf-authflow/machines`.
 *
 * Not exported on purpose: the emulator (it pulls in `oidc-provider` and Koa) and anything that needs
 * Node built-ins, so that this entry stays safe for bundlers and browsers.
 * @module
 */
export {
  type ApiKeyContext,
  type ApiKeyEvent,
  type ApiKeyInput,
  type ApiKeyStatus,
  apiKeyMachine,
} from '../machines/api-key.js';
export {
  type AuthorizationAttempt,
  type AuthorizationCallback,
  type AuthorizationCodeContext,
  type AuthorizationCodeEvent,
  type AuthorizationCodeInput,
  type AuthorizationCodeOutput,
  type AuthorizationCodeTimeouts,
  authorizationCodeMachine,
  defaultAuthorizationCodeTimeouts,
  type OidcSignIn,
} from '../machines/authorization-code.js';
export {
  type ClientCredentialsContext,
  type ClientCredentialsEvent,
  type ClientCredentialsInput,
  clientCredentialsMachine,
} from '../machines/client-credentials.js';
export {
  type DeviceAuthorization,
  type DeviceCodeContext,
  type DeviceCodeEvent,
  type DeviceCodeInput,
  type DeviceCodeOutput,
  deviceCodeMachine,
  type PollResult,
} from '../machines/device-code.js';
export { type Failure, type FailureCode, isFailureCode, toFailure } from '../machines/failure.js';
export {
  defaultLoginUrlTimeouts,
  type FetchLoginUrlInput,
  type LegacyTokens,
  type LegacyValidation,
  type LoginCallback,
  type LoginUrlContext,
  type LoginUrlEvent,
  type LoginUrlInput,
  type LoginUrlOutput,
  type LoginUrlSession,
  type LoginUrlTimeouts,
  loginUrlMachine,
} from '../machines/login-url.js';
export { type SessionContext, type SessionEvent, type SessionInput, sessionMachine } from '../machines/session.js';
export type { IdClaims, IdpMetadata, Inspection, TokenSet } from '../machines/tokens.js';
export { AuthFlowError, isAuthFlowError } from './errors/auth-flow-error.js';
export {
  FLOW_ID_PARAM,
  LOGIN_CALLBACK_PARAMS,
  parseLoginCallback,
  stripLoginCallback,
  withFlowId,
} from './protocol/callback.js';
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
export type { CallOptions, HttpOptions } from './protocol/http.js';
export { createOidcClient, type OidcClient, type OidcClientOptions } from './protocol/oidc.js';
export { isSecretKey, REDACTED, redact, redactText } from './protocol/redact.js';
export { VERSION } from './protocol/version.js';
export { createSession, type Session, type SessionOptions } from './session/session.js';
export { type DiagramFormat, type MachineGraph, machineGraph, renderDiagram } from './viz/diagram.js';
