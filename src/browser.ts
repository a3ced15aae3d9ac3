/**
 * `cdf-authflow/browser`: sign-in by full-page redirect for web apps (login-URL flow, code + PKCE).
 * Safe to import during server-side rendering: nothing touches `window` before a method is called.
 * Import `createCodeBrowserLogin` alone to keep the legacy login-URL code out of your bundle.
 * @module cdf-authflow/browser
 */
export { type CodeBrowserLoginOptions, createCodeBrowserLogin } from './drivers/browser/code.js';
export { assertApiKeyAllowedInBrowser } from './drivers/browser/create-login.js';
export { type BrowserLoginOptions, createBrowserLogin } from './drivers/browser/index.js';
export { createLoginUrlBrowserLogin } from './drivers/browser/login-url.js';
export type {
  BrowserCommonOptions,
  BrowserLogin,
  FlowStorage,
  RedirectOutcome,
  UiSnapshot,
  UiState,
} from './drivers/browser/types.js';
export { REDACTED, redact, redactText } from './protocol/redact.js';
export {
  type ChannelLike,
  createWebCredentialStore,
  createWebRenewLock,
  type LockManagerLike,
  type StorageLike,
  type WebCredentialStoreOptions,
} from './stores/web-credential-store.js';
