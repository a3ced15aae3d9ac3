// The engine's own cost per complete flow: the real flows (their machines provided once per module,
// src/flows/flow.ts) with effects that answer at once, against a plain async function making the same
// calls, and against the same flow whose machine is provided per run (as every flow did before). Each
// figure is tinybench's median latency; the tasks run A B A B in rounds.
import { Bench } from 'tinybench';
import { createActor, fromPromise, setup } from 'xstate';
import { authorizationCodeMachine } from '../dist/machines/authorization-code.js';
import { authorizationCodeFlow } from '../dist/src/flows/authorization-code.js';
import { clientCredentialsFlow } from '../dist/src/flows/client-credentials.js';
import { createFlowActor } from '../dist/src/flows/flow.js';
import { loginUrlFlow } from '../dist/src/flows/login-url.js';
import { codeShape } from './code-shape.mjs';
import { row, runDirectly, show, summary, table } from './measure.mjs';

const ISSUER = 'https://idp.example';
const tokens = { accessToken: 'at', tokenType: 'Bearer', expiresAt: 1e13, idToken: 'it', refreshToken: 'rt' };
const claims = { iss: ISSUER, sub: 'alice', aud: 'cli' };
const inspection = { subject: 'alice', projects: ['demo'] };
const oidc = {
  discover: async () => ({ issuer: ISSUER, issParameterSupported: false, s256Supported: true }),
  authorizationUrl: async () => `${ISSUER}/authorize`,
  exchangeCode: async () => tokens,
  validateIdToken: async () => claims,
  clientCredentials: async () => tokens,
};
const cdf = async () => inspection;
const legacyCdf = {
  getLoginUrl: async () => `${ISSUER}/login`,
  getTokenStatus: async () => ({ valid: true, expired: false }),
  getLoginStatus: async () => ({ loggedIn: true, user: 'alice', project: 'demo', projectId: 1 }),
};

/** Runs an actor to its output, sending `callback` once it waits for one. */
function complete(actor, start, callback) {
  return new Promise((resolve, reject) => {
    actor.subscribe({
      next: (snapshot) => {
        if (snapshot.value === 'awaitingCallback' && callback) actor.send(callback);
        if (snapshot.status === 'done') {
          snapshot.output.status === 'signedIn' ? resolve() : reject(new Error(JSON.stringify(snapshot.output)));
        }
      },
      error: reject,
    });
    actor.start();
    actor.send(start);
  });
}

const codeInput = { issuer: ISSUER, clientId: 'cli', redirectUri: 'http://127.0.0.1/callback', scope: 'openid' };
const codeStart = () => ({ type: 'START', attempt: { state: 's', nonce: 'n', codeVerifier: 'v' }, now: Date.now() });
const codeCallback = {
  type: 'CALLBACK',
  callback: { kind: 'response', params: { code: 'c', state: 's' }, url: 'http://127.0.0.1/callback?code=c&state=s' },
};
const authorizationCode = () =>
  complete(
    createFlowActor(authorizationCodeFlow({ oidc, cdf, navigate: async () => {} }), { input: codeInput }),
    codeStart(),
    codeCallback,
  );
/** The same flow as before src/flows/flow.ts: the machine provided for each run. */
const authorizationCodeProvidedPerRun = () => {
  const machine = authorizationCodeMachine.provide({
    actors: {
      discover: fromPromise(() => oidc.discover()),
      navigateToIdp: fromPromise(async () => {}),
      exchangeCode: fromPromise(() => oidc.exchangeCode()),
      validateIdToken: fromPromise(() => oidc.validateIdToken()),
      inspectToken: fromPromise(() => cdf()),
    },
  });
  return complete(createActor(machine, { input: codeInput }), codeStart(), codeCallback);
};
/** The same calls as a plain async function: what the flow adds is the engine. */
const authorizationCodePlain = async () => {
  const metadata = await oidc.discover();
  if (!metadata.s256Supported) throw new Error('no S256');
  await oidc.authorizationUrl();
  const t = await oidc.exchangeCode();
  const c = await oidc.validateIdToken(t.idToken);
  const i = await cdf(t.accessToken);
  if (!i.projects.includes('demo') || c.sub !== 'alice') throw new Error('not signed in');
};

const loginUrl = () =>
  complete(
    createFlowActor(loginUrlFlow({ cdf: legacyCdf, navigate: async () => {} }), {
      input: { project: 'demo', redirectUrl: 'http://127.0.0.1/callback' },
    }),
    { type: 'START', flowId: 'flow-id-0123456789abcdef', now: Date.now() },
    {
      type: 'CALLBACK',
      callback: { kind: 'tokens', flowId: 'flow-id-0123456789abcdef', accessToken: 'at', idToken: 'it' },
    },
  );
const loginUrlPlain = async () => {
  await legacyCdf.getLoginUrl();
  const [token, status] = await Promise.all([legacyCdf.getTokenStatus(), legacyCdf.getLoginStatus()]);
  if (!token.valid || !status.loggedIn) throw new Error('not signed in');
};

const clientCredentials = () =>
  complete(createFlowActor(clientCredentialsFlow({ oidc, cdf }), { input: { clientId: 'svc', scope: 's' } }), {
    type: 'START',
  });
const clientCredentialsPlain = async () => {
  const t = await oidc.clientCredentials();
  await cdf(t.accessToken);
};

const codeShapeOnly = () => complete(createActor(codeShape), { type: 'START' }, { type: 'CALLBACK' });

/** xstate's own floor: one actor of a one-state machine, created, started and stopped. */
const oneState = setup({}).createMachine({ initial: 'a', states: { a: {} } });
const emptyActor = async () => {
  createActor(oneState).start().stop();
};

const TASKS = {
  'authorization code': authorizationCode,
  'authorization code, provided per run': authorizationCodeProvidedPerRun,
  'authorization code, plain': authorizationCodePlain,
  'login URL': loginUrl,
  'login URL, plain': loginUrlPlain,
  'client credentials': clientCredentials,
  'client credentials, plain': clientCredentialsPlain,
  'xstate: one actor of a one-state machine': emptyActor,
  "xstate: the code flow's shape alone": codeShapeOnly,
};

/** Median µs per call of each task over `rounds` rounds, the tasks interleaved within each round. */
async function latencies(rounds) {
  const seen = Object.fromEntries(Object.keys(TASKS).map((name) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    const bench = new Bench({ time: 250, warmupTime: 50 });
    for (const [name, fn] of Object.entries(TASKS)) bench.add(name, fn);
    await bench.run();
    for (const task of bench.tasks) seen[task.name].push(task.result.latency.p50 * 1000);
  }
  return Object.fromEntries(Object.entries(seen).map(([name, us]) => [name, summary(us)]));
}

/** The engine's rows: µs per complete flow against the plain function, and the target of 100 µs. */
export async function engineRows({ rounds = 9 } = {}) {
  const us = await latencies(rounds);
  const floor = us['xstate: one actor of a one-state machine'];
  const flow = (name, what, target) =>
    row({
      what,
      baseline: `a plain async function, same calls: ${show(us[`${name}, plain`], ' µs')}`,
      measured: `${show(us[name], ' µs')}${name === 'authorization code' ? `; provided per run (before): ${show(us['authorization code, provided per run'], ' µs')}; xstate's floor, one actor of a one-state machine: ${show(floor, ' µs')}; xstate's floor for this flow's shape (its states, its five promise actors, its timeouts and the callback; no context, guards or actions): ${show(us["xstate: the code flow's shape alone"], ' µs')}` : ''}`,
      ratio: us[name].median,
      unit: ' µs',
      ...(target ? { target } : {}),
    });
  return [
    flow('authorization code', 'engine per complete flow: authorization code + PKCE, effects that answer at once', 100),
    flow('login URL', 'engine per complete flow: login URL', 100),
    flow('client credentials', 'engine per complete flow: client credentials', 100),
  ];
}

if (runDirectly(import.meta.url)) console.log(table(await engineRows()));
