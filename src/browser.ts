/**
 * `cdf-authflow/browser`: sign-in by full-page redirect for web apps (login-URL flow, code + PKCE).
 * Safe to import during server-side rendering: nothing touches `window` before a method is called.
 * @module
 */
export {
  assertApiKeyAllowedInBrowser,
  type BrowserLogin,
  type BrowserLoginOptions,
  createBrowserLogin,
  type FlowStorage,
  PENDING_FLOW_KEY,
  type RedirectOutcome,
  type UiState,
} from './drivers/browser.js';
export { REDACTED, redact, redactText } from './protocol/redact.js';
