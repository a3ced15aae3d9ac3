/**
 * `cdf-authflow/browser`: sign-in by full-page redirect for web apps (login-URL flow, code + PKCE).
 * Safe to import during server-side rendering: nothing touches `window` before a method is called.
 * Import `createCodeBrowserLogin` alone to keep the legacy login-URL code out of your bundle.
 * @module
 */
export { type BrowserLoginOptions, createBrowserLogin } from './drivers/browser.js';
export { type CodeBrowserLoginOptions, createCodeBrowserLogin } from './drivers/browser-code.js';
export {
  assertApiKeyAllowedInBrowser,
  type BrowserCommonOptions,
  type BrowserLogin,
  type FlowStorage,
  type RedirectOutcome,
  type UiSnapshot,
  type UiState,
} from './drivers/browser-core.js';
export { createLoginUrlBrowserLogin } from './drivers/browser-login-url.js';
export { REDACTED, redact, redactText } from './protocol/redact.js';
