/**
 * The pure flow definitions: XState v5 machines that import nothing but `xstate`.
 *
 * Run them through a driver (`cdf-authflow/node`) or supply your own actors with `machine.provide()`.
 * @module cdf-authflow/machines
 */
export {
  type ApiKeyContext,
  type ApiKeyEvent,
  type ApiKeyInput,
  type ApiKeyOutput,
  type ApiKeyStatus,
  apiKeyMachine,
} from './api-key.js';
export {
  type AuthorizationAttempt,
  type AuthorizationBegin,
  type AuthorizationCallback,
  type AuthorizationCodeContext,
  type AuthorizationCodeEvent,
  type AuthorizationCodeInput,
  type AuthorizationCodeOutput,
  type AuthorizationCodeTimeouts,
  authorizationCodeMachine,
  defaultAuthorizationCodeTimeouts,
  type ExchangeCodeInput,
  type NavigateToIdpInput,
  type OidcSignIn,
} from './authorization-code.js';
export {
  type ClientCredentialsContext,
  type ClientCredentialsEvent,
  type ClientCredentialsInput,
  type ClientCredentialsOutput,
  clientCredentialsMachine,
  type ServiceSignIn,
} from './client-credentials.js';
export {
  type DeviceAuthorization,
  type DeviceCodeContext,
  type DeviceCodeEvent,
  type DeviceCodeInput,
  type DeviceCodeOutput,
  deviceCodeMachine,
  type PollResult,
} from './device-code.js';
export {
  defaultLoginUrlTimeouts,
  type FetchLoginUrlInput,
  type LegacyTokens,
  type LegacyValidation,
  type LoginCallback,
  type LoginUrlAttempt,
  type LoginUrlContext,
  type LoginUrlEvent,
  type LoginUrlInput,
  type LoginUrlOutput,
  type LoginUrlSession,
  type LoginUrlTimeouts,
  loginUrlMachine,
} from './login-url.js';
export {
  type SessionContext,
  type SessionEvent,
  type SessionInput,
  type SessionOutput,
  sessionMachine,
} from './session.js';
export type { CallbackWaitContext, CallbackWaitEvent } from './shared/callback-wait.js';
export type { MachineTypes } from './shared/contract.js';
export {
  FAILURE_CODES,
  type Failure,
  type FailureCode,
  type IdpDiagnostics,
  isFailureCode,
  toFailure,
} from './shared/failure.js';
export { DEFAULT_LEEWAY_MS, isFresh } from './shared/freshness.js';
export type { FlowOutput, FlowProgress } from './shared/outcome.js';
export type { TokenCheckContext } from './shared/token-checks.js';
export type { IdClaims, IdpMetadata, Inspection, TokenSet } from './shared/tokens.js';

import type { AnyStateMachine } from 'xstate';
import { apiKeyMachine } from './api-key.js';
import { authorizationCodeMachine } from './authorization-code.js';
import { clientCredentialsMachine } from './client-credentials.js';
import { deviceCodeMachine } from './device-code.js';
import { loginUrlMachine } from './login-url.js';
import { sessionMachine } from './session.js';

/** The name of a machine in {@link machinesByName}, as `cdf-auth diagram <name>` takes it. */
export type MachineName =
  | 'login-url'
  | 'api-key'
  | 'authorization-code'
  | 'device-code'
  | 'client-credentials'
  | 'session';

/**
 * Every machine by the name the CLI, the diagrams and the docs use (`cdf-auth diagram <name>`), for code
 * that walks them all; each is also exported by its own name, with its full type.
 */
export const machinesByName: Readonly<Record<MachineName, AnyStateMachine>> = {
  'login-url': loginUrlMachine,
  'api-key': apiKeyMachine,
  'authorization-code': authorizationCodeMachine,
  'device-code': deviceCodeMachine,
  'client-credentials': clientCredentialsMachine,
  session: sessionMachine,
};
