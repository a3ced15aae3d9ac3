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
  { type: 'START' },
  { type: 'CANCEL' },
  { type: 'xstate.done.actor.verifyApiKey', output: status() },
  { type: 'xstate.done.actor.verifyApiKey', output: status({ loggedIn: false }) },
  { type: 'xstate.done.actor.verifyApiKey', output: status({ project: 'other' }) },
  { type: 'xstate.error.actor.verifyApiKey', error: { code: 'network', message: 'down' } },
  { type: 'xstate.after.verifyTimeout.apiKey.verifying' },
];

const ISSUER = 'https://idp.example';
const tokenSet = { accessToken: 'at', tokenType: 'Bearer', expiresAt: 100_000, idToken: 'it', refreshToken: 'rt' };
const claims = { iss: ISSUER, sub: 'alice', aud: 'cli' };

/** What the shared token checks (validate the ID token, inspect at CDF) can be told. */
const tokenCheckEvents: WorldEvent[] = [
  { type: 'xstate.done.actor.validateIdToken', output: claims },
  { type: 'xstate.error.actor.validateIdToken', error: { code: 'idTokenInvalid', message: 'x' } },
  { type: 'xstate.done.actor.inspectToken', output: { subject: 'alice', projects: ['demo'] } },
  { type: 'xstate.done.actor.inspectToken', output: { subject: 'alice', projects: ['other'] } },
  { type: 'xstate.error.actor.inspectToken', error: { code: 'http', message: 'x' } },
];
/** The `xstate.after` events of `machine`: for each state, the delays that run out in it, in this order. */
const timeouts = (machine: string, delaysByState: Record<string, string | string[]>): WorldEvent[] =>
  Object.entries(delaysByState).flatMap(([state, delays]) =>
    [delays].flat().map((delay) => ({ type: `xstate.after.${delay}.${machine}.${state}` })),
  );
/** The delays of the shared token checks, by the state each runs out in. */
const tokenCheckDelays = { validatingIdToken: 'validateTimeout', inspectingToken: 'inspectTimeout' };
const cb = (params: Record<string, string>) => ({
  type: 'CALLBACK',
  callback: { kind: 'response', params, url: `http://127.0.0.1:9/callback?${new URLSearchParams(params)}` },
});

export const authorizationCodeEvents: WorldEvent[] = [
  { type: 'START', attempt: { state: 's1', nonce: 'n1', codeVerifier: 'v1' }, now: 0 },
  { type: 'CANCEL' },
  { type: 'RESUME', now: 5 },
  { type: 'xstate.done.actor.discover', output: { issuer: ISSUER, issParameterSupported: true, s256Supported: true } },
  {
    type: 'xstate.done.actor.discover',
    output: { issuer: 'https://evil', issParameterSupported: true, s256Supported: true },
  },
  { type: 'xstate.done.actor.discover', output: { issuer: ISSUER, issParameterSupported: true, s256Supported: false } },
  { type: 'xstate.error.actor.discover', error: { code: 'network', message: 'down' } },
  { type: 'xstate.done.actor.navigateToIdp' },
  { type: 'xstate.error.actor.navigateToIdp', error: { code: 'navigationFailed', message: 'x' } },
  { type: 'CALLBACK', callback: { kind: 'invalid', reason: 'x' } },
  cb({ code: 'c', state: 'nope', iss: ISSUER }),
  cb({ code: 'c', state: 's1', iss: 'https://evil' }),
  cb({ error: 'access_denied', state: 's1', iss: ISSUER }),
  cb({ state: 's1', iss: ISSUER }),
  cb({ code: 'c', state: 's1', iss: ISSUER }),
  { type: 'xstate.done.actor.exchangeCode', output: tokenSet },
  { type: 'xstate.done.actor.exchangeCode', output: { ...tokenSet, idToken: undefined } },
  { type: 'xstate.error.actor.exchangeCode', error: { code: 'invalidGrant', message: 'x' } },
  ...tokenCheckEvents,
  ...timeouts('authorizationCode', {
    discovering: 'discoverTimeout',
    redirectingToIdp: 'navigateTimeout',
    awaitingCallback: 'callbackTimeout',
    exchangingCode: 'exchangeTimeout',
    ...tokenCheckDelays,
  }),
];

export const deviceCodeEvents: WorldEvent[] = [
  { type: 'START', now: 0 },
  { type: 'CANCEL' },
  {
    type: 'xstate.done.actor.requestDeviceCode',
    output: { deviceCode: 'dc', userCode: 'U', verificationUri: 'https://idp/device', expiresIn: 12 },
  },
  { type: 'xstate.error.actor.requestDeviceCode', error: { code: 'http', message: 'x' } },
  { type: 'xstate.done.actor.pollToken', output: { kind: 'tokens', tokens: tokenSet } },
  { type: 'xstate.done.actor.pollToken', output: { kind: 'tokens', tokens: { ...tokenSet, idToken: undefined } } },
  { type: 'xstate.done.actor.pollToken', output: { kind: 'pending' } },
  { type: 'xstate.done.actor.pollToken', output: { kind: 'slowDown' } },
  { type: 'xstate.done.actor.pollToken', output: { kind: 'denied' } },
  { type: 'xstate.done.actor.pollToken', output: { kind: 'expired' } },
  { type: 'xstate.error.actor.pollToken', error: { code: 'timeout', message: 'x' } },
  { type: 'xstate.error.actor.pollToken', error: { code: 'http', message: 'x' } },
  ...tokenCheckEvents,
  ...timeouts('deviceCode', {
    awaitingUser: ['pollInterval', 'codeExpiry'],
    polling: 'codeExpiry',
    requestingCode: 'requestTimeout',
    ...tokenCheckDelays,
  }),
];

export const clientCredentialsEvents: WorldEvent[] = [
  { type: 'START' },
  { type: 'CANCEL' },
  { type: 'xstate.done.actor.requestToken', output: tokenSet },
  { type: 'xstate.error.actor.requestToken', error: { code: 'tokenRejected', message: 'x' } },
  { type: 'xstate.after.requestTimeout.clientCredentials.requesting' },
  { type: 'xstate.done.actor.inspectToken', output: { subject: 'svc', projects: ['demo'] } },
  { type: 'xstate.done.actor.inspectToken', output: { subject: 'svc', projects: ['other'] } },
  { type: 'xstate.error.actor.inspectToken', error: { code: 'tokenRejected', message: 'x' } },
  { type: 'xstate.after.inspectTimeout.clientCredentials.inspectingToken' },
];

export const sessionEvents: WorldEvent[] = [
  { type: 'GET_TOKEN', now: 0 },
  { type: 'GET_TOKEN', now: 99_999 },
  { type: 'RENEW', now: 1 },
  { type: 'UNAUTHORIZED', accessToken: 'at', now: 1 },
  { type: 'UNAUTHORIZED', accessToken: 'at2', now: 1 },
  { type: 'LOGOUT' },
  { type: 'TOKENS', tokens: { ...tokenSet, accessToken: 'at3' } },
  { type: 'xstate.done.actor.renew', output: { ...tokenSet, accessToken: 'at2' } },
  { type: 'xstate.error.actor.renew', error: { code: 'invalidGrant', message: 'x' } },
  { type: 'xstate.error.actor.renew', error: { code: 'network', message: 'x' } },
  { type: 'xstate.after.renewTimeout.session.renewing' },
];
