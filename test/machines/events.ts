import type { EventObject } from 'xstate';

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
export const loginUrlEvents: EventObject[] = [
  { type: 'START', flowId: 'f1', now: 0 },
  { type: 'RETRY', flowId: 'f2', now: 10 },
  { type: 'CANCEL' },
  { type: 'RESUME', now: 5 },
  { type: 'xstate.done.actor.fetchLoginUrl', output: 'http://cdf/login' } as EventObject,
  { type: 'xstate.done.actor.fetchLoginUrl', output: null } as EventObject,
  { type: 'xstate.error.actor.fetchLoginUrl', error: { code: 'network', message: 'down' } } as EventObject,
  { type: 'xstate.done.actor.navigateToIdp' },
  {
    type: 'xstate.error.actor.navigateToIdp',
    error: { code: 'navigationFailed', message: 'no browser' },
  } as EventObject,
  { type: 'CALLBACK', callback: { kind: 'invalid', reason: 'x' } } as EventObject,
  { type: 'CALLBACK', callback: { kind: 'tokens', flowId: 'nope', accessToken: 'a', idToken: 'i' } } as EventObject,
  { type: 'CALLBACK', callback: { kind: 'error', flowId: 'f1', error: 'access_denied' } } as EventObject,
  { type: 'CALLBACK', callback: { kind: 'tokens', flowId: 'f1', accessToken: 'a', idToken: 'i' } } as EventObject,
  { type: 'xstate.done.actor.validateToken', output: validation() } as EventObject,
  { type: 'xstate.done.actor.validateToken', output: validation({}, { valid: false, expired: false }) } as EventObject,
  { type: 'xstate.done.actor.validateToken', output: validation({}, { valid: true, expired: true }) } as EventObject,
  { type: 'xstate.done.actor.validateToken', output: validation({ project: 'other' }) } as EventObject,
  { type: 'xstate.error.actor.validateToken', error: { code: 'timeout', message: 'slow' } } as EventObject,
  { type: 'xstate.after.fetchTimeout.loginUrl.fetchingLoginUrl' },
  { type: 'xstate.after.navigateTimeout.loginUrl.redirectingToIdp' },
  { type: 'xstate.after.callbackTimeout.loginUrl.awaitingCallback' },
  { type: 'xstate.after.validateTimeout.loginUrl.validatingToken' },
];

export const apiKeyEvents: EventObject[] = [
  { type: 'VERIFY' },
  { type: 'RETRY' },
  { type: 'CANCEL' },
  { type: 'UNAUTHORIZED' },
  { type: 'xstate.done.actor.verifyApiKey', output: status() } as EventObject,
  { type: 'xstate.done.actor.verifyApiKey', output: status({ loggedIn: false }) } as EventObject,
  { type: 'xstate.done.actor.verifyApiKey', output: status({ project: 'other' }) } as EventObject,
  { type: 'xstate.error.actor.verifyApiKey', error: { code: 'network', message: 'down' } } as EventObject,
  { type: 'xstate.after.verifyTimeout.apiKey.verifying' },
];
