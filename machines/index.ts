/**
 * The pure flow definitions: XState v5 machines that import nothing but `xstate`.
 *
 * Run them through a driver (`cdf-authflow/node`) or supply your own actors with `machine.provide()`.
 * @module
 */
export {
  type ApiKeyContext,
  type ApiKeyEvent,
  type ApiKeyInput,
  type ApiKeyStatus,
  apiKeyMachine,
} from './api-key.js';
export { type Failure, type FailureCode, isFailureCode, toFailure } from './failure.js';
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
} from './login-url.js';
