import type { EventObject } from 'xstate';

/** An event as the world sends it, with its payload. */
export type WorldEvent = EventObject & Record<string, unknown>;

const status = (over: object = {}) => ({
  loggedIn: true,
  user: 'svc',
  project: 'demo',
  projectId: 1,
  apiKeyId: 9,
  ...over,
});
const validation = (over: object = {}, token = { valid: true, expired: false }) => ({
  token,
  status: { loggedIn: true, user: 'alice', project: 'demo', projectId: 1, ...over },
  expiresAt: null,
});

/** One event of each kind the world can send, with the payload variants the guards tell apart. */
export const loginUrlEvents: WorldEvent[] = [
  { type: 'START', flowId: 'f1', now: 0 },
  { type: 'RETRY', flowId: 'f2', now: 10 },
  { type: 'CANCEL' },
  { type: 'RESUME', now: 5 },
  { type: 'xstate.done.actor.fetchLoginUrl', output: 'http://cdf/login' },
  { type: 'xstate.done.actor.fetchLoginUrl', output: null },
  { type: 'xstate.error.actor.fetchLoginUrl', error: { code: 'network', message: 'down' } },
  { type: 'xstate.done.actor.navigateToIdp' },
  {
    type: 'xstate.error.actor.navigateToIdp',
    error: { code: 'navigationFailed', message: 'no browser' },
  },
  { type: 'CALLBACK', callback: { kind: 'invalid', reason: 'x' } },
  { type: 'CALLBACK', callback: { kind: 'tokens', flowId: 'nope', accessToken: 'a', idToken: 'i' } },
  { type: 'CALLBACK', callback: { kind: 'error', flowId: 'f1', error: 'access_denied' } },
  { type: 'CALLBACK', callback: { kind: 'tokens', flowId: 'f1', accessToken: 'a', idToken: 'i' } },
  { type: 'xstate.done.actor.validateToken', output: validation() },
  { type: 'xstate.done.actor.validateToken', output: validation({}, { valid: false, expired: false }) },
  { type: 'xstate.done.actor.validateToken', output: validation({}, { valid: true, expired: true }) },
  { type: 'xstate.done.actor.validateToken', output: validation({ project: 'other' }) },
  { type: 'xstate.error.actor.validateToken', error: { code: 'timeout', message: 'slow' } },
  { type: 'xstate.after.fetchTimeout.loginUrl.fetchingLoginUrl' },
  { type: 'xstate.after.navigateTimeout.loginUrl.redirectingToIdp' },
  { type: 'xstate.after.callbackTimeout.loginUrl.awaitingCallback' },
  { type: 'xstate.after.validateTimeout.loginUrl.validatingToken' },
];

export const apiKeyEvents: WorldEvent[] = [
  { type: 'VERIFY' },
  { type: 'RETRY' },
  { type: 'CANCEL' },
  { type: 'UNAUTHORIZED' },
  { type: 'xstate.done.actor.verifyApiKey', output: status() },
  { type: 'xstate.done.actor.verifyApiKey', output: status({ loggedIn: false }) },
  { type: 'xstate.done.actor.verifyApiKey', output: status({ project: 'other' }) },
  { type: 'xstate.error.actor.verifyApiKey', error: { code: 'network', message: 'down' } },
  { type: 'xstate.after.verifyTimeout.apiKey.verifying' },
];
