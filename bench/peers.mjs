// The sign-in figures against openid-client for npm run bench (bench/run.mjs), from the issue "performance
// against the peers": the client's CPU per complete sign-in (code + PKCE, client credentials, the legacy
// login URL) and the heap a pending code flow holds, ours against the peer doing the same work, A B A B.
// The emulator (CDF and its headless IdP) runs in a child process (bench/peers-child.mjs), so this process's
// CPU is the client's own: the flow, its loopback listener, and the headless user agent both sides share.
// `node bench/peers.mjs` prints the rows as a markdown table and the requests one flow of each side makes.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import * as client from 'openid-client';
import { CookieJar } from 'tough-cookie';
import { followRedirects } from '../dist/src/drivers/node/headless-browser.js';
import {
  headlessOpener,
  loginWithAuthorizationCode,
  loginWithClientCredentials,
  loginWithLoginUrl,
} from '../dist/src/node.js';
import { alternate, cpuMs, ms, row, runDirectly, show, summary, table } from './measure.mjs';
import { largest, profileOf } from './profile.mjs';

const CHILD = new URL('./peers-child.mjs', import.meta.url);
const PEER = `openid-client ${JSON.parse(readFileSync(new URL('../node_modules/openid-client/package.json', import.meta.url))).version}`;
const ROUNDS = 7;
/** Sequential flows per round and side, and the flows each side runs first (JIT, sockets, our JWKS cache). */
const FLOWS = 30;
const WARM = 10;
const HEAP_ROUNDS = 3;
/** Code flows of each side run under the sampling profiler, after the timed rounds. */
const PROFILED = 100;
const HEAP_LIMIT_MS = 120_000;
/** The emulator's IdP is plain http on 127.0.0.1; openid-client refuses that unless told. */
const INSECURE = { execute: [client.allowInsecureRequests] };

/**
 * The rows of the section. `onRequests(name, { ours, peer })`, when given, receives the requests one flow
 * of each side made at the emulator (method and path).
 */
export async function peerRows({ onRequests } = {}) {
  const children = new Set();
  // A plain exit (process.exit, an uncaught error) cannot wait: the children are killed outright.
  const onExit = () => {
    for (const proc of children) proc.kill('SIGKILL');
  };
  // Ctrl-C or a kill: the children go first, then the signal does what it would have done.
  const onSignal = (signal) => {
    detach();
    void killAll(children).finally(() => process.kill(process.pid, signal));
  };
  const detach = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  try {
    return await measured(children, onRequests);
  } finally {
    detach();
    await killAll(children);
  }
}

/** Starts the emulator child and measures every figure against it. */
async function measured(children, onRequests) {
  const emulatorChild = spawnChild(['emulator'], [], children);
  const emulator = await emulatorChild.first;
  const sides = [
    ['code + PKCE', oursCode, peerCode, FLOWS],
    ['client credentials', oursService, peerService, FLOWS * 2],
    ['login URL', oursLoginUrl, peerLoginUrl, FLOWS],
  ];
  const figures = {};
  for (const [name, ours, peer, n] of sides) {
    const cpu = await cpuRounds(emulator, ours, peer, n);
    // Counted on a warm flow: ours' first flow in a process also fetches the JWKS, once.
    const requests = {
      ours: await requestsOf(emulatorChild, () => ours(emulator)),
      peer: await requestsOf(emulatorChild, () => peer(emulator)),
    };
    onRequests?.(name, requests);
    figures[name] = { ...cpu, requests };
  }
  // Where the code flow's CPU goes on each side: the part of ours that is xstate is the floor of the ratio.
  const profiles = {
    peer: await profileOf(() => peerCode(emulator), PROFILED),
    ours: await profileOf(() => oursCode(emulator), PROFILED),
  };
  // xstate's floor for the same wait, measured in the same rounds.
  const floor = [];
  const heap = await alternate(
    HEAP_ROUNDS,
    async () => {
      floor.push(await pendingHeap('shape', emulator, children));
      return pendingHeap('peer', emulator, children);
    },
    () => pendingHeap('ours', emulator, children),
  );
  return [
    codeRow(figures['code + PKCE']),
    serviceRow(figures['client credentials']),
    profileRow(profiles),
    loginUrlRow(figures['login URL']),
    heapRow({ ...heap, floor: summary(floor) }),
  ];
}

/**
 * `WARM` flows of each side, then `ROUNDS` rounds of `n` sequential flows, the peer's then ours: the
 * summaries of this process's CPU ms per flow (`a` the peer, `b` ours, their ratio) and of the wall ms.
 */
async function cpuRounds(emulator, ours, peer, n) {
  for (let i = 0; i < WARM; i += 1) {
    await peer(emulator);
    await ours(emulator);
  }
  const wall = { ours: [], peer: [] };
  const round = (flow, kept) => async () => {
    let elapsed = 0;
    const cpu = await cpuMs(async () => {
      elapsed = await ms(async () => {
        for (let i = 0; i < n; i += 1) await flow(emulator);
      });
    });
    kept.push(elapsed / n);
    return cpu / n;
  };
  const cpu = await alternate(ROUNDS, round(peer, wall.peer), round(ours, wall.ours));
  return { ...cpu, n, wallPeer: summary(wall.peer), wallOurs: summary(wall.ours) };
}

/** What `flow` asked of the emulator: its IdP's and its CDF's requests, as `METHOD /path` lines. */
async function requestsOf(emulatorChild, flow) {
  const mark = await emulatorChild.call({ op: 'mark' });
  await flow();
  const { idp, cdf } = await emulatorChild.call({ op: 'since', cdf: mark.cdf, idp: mark.idp });
  return { idp, cdf };
}

// ---- The flows, ours and the peer's, each one complete sign-in ----

const oursCode = (e) =>
  loginWithAuthorizationCode({
    issuer: e.issuer,
    clientId: e.clients.cli,
    baseUrl: e.baseUrl,
    project: 'demo',
    // A new opener per flow is a new cookie jar: a fresh sign-in at the IdP, as the peer's.
    opener: headlessOpener(),
  });

/**
 * openid-client's code + PKCE as a CLI would write it: discovery, PKCE verifier, state and nonce, the
 * authorization URL, the same headless user agent to a loopback listener at /callback, the code redeemed
 * with the ID token's claims checked, then token/inspect.
 */
async function peerCode(e) {
  const config = await client.discovery(new URL(e.issuer), e.clients.cli, undefined, client.None(), INSECURE);
  const checks = {
    pkceCodeVerifier: client.randomPKCECodeVerifier(),
    expectedState: client.randomState(),
    expectedNonce: client.randomNonce(),
    idTokenExpected: true,
  };
  const listener = await loopback(async (url) => {
    const tokens = await client.authorizationCodeGrant(config, url, checks);
    await inspect(e.baseUrl, tokens.access_token);
  });
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: listener.redirectUri,
    scope: `${e.baseUrl}/.default offline_access openid profile`,
    code_challenge: await client.calculatePKCECodeChallenge(checks.pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: checks.expectedState,
    nonce: checks.expectedNonce,
  });
  await listener.navigate(url.href);
}

const oursService = (e) =>
  loginWithClientCredentials({
    issuer: e.issuer,
    clientId: e.clients.service.id,
    clientSecret: e.clients.service.secret,
    baseUrl: e.baseUrl,
    project: 'demo',
  });

/** openid-client's client credentials: discovery, the grant (HTTP Basic, as ours picks), then token/inspect. */
async function peerService(e) {
  const { id, secret } = e.clients.service;
  const config = await client.discovery(new URL(e.issuer), id, undefined, client.ClientSecretBasic(secret), INSECURE);
  // Ours asks for `{cluster}/.default` by default; the peer asks for the same.
  const tokens = await client.clientCredentialsGrant(config, { scope: `${e.baseUrl}/.default` });
  await inspect(e.baseUrl, tokens.access_token);
}

const oursLoginUrl = (e) => loginWithLoginUrl({ baseUrl: e.baseUrl, project: 'demo', opener: headlessOpener() });

/**
 * The legacy login URL by hand (docs/cdf-api.md §3): `GET /login/url` for a loopback redirect URL carrying
 * a random flow id, the user agent to it, and at the callback the tokens from its query checked at
 * `/login/token` and `/login/status` at once, as ours does.
 */
async function peerLoginUrl(e) {
  const flowId = randomBytes(16).toString('base64url');
  const listener = await loopback(async (url) => {
    const query = url.searchParams;
    if (query.get('flow') !== flowId || !query.get('access_token')) throw new Error('not this flow’s callback');
    const [token, status] = await Promise.all([
      getJson(`${e.baseUrl}/login/token?${new URLSearchParams({ token: query.get('id_token') ?? '' })}`),
      getJson(`${e.baseUrl}/login/status`, query.get('access_token')),
    ]);
    if (!token.data?.valid || !status.data?.loggedIn || status.data.project !== 'demo') {
      throw new Error('CDF did not accept the login URL’s tokens');
    }
  });
  const redirectUrl = `${listener.redirectUri}?flow=${flowId}`;
  const query = new URLSearchParams({ project: 'demo', redirectUrl, errorRedirectUrl: redirectUrl });
  const { data } = await getJson(`${e.baseUrl}/login/url?${query}`);
  await listener.navigate(data.url);
}

/** CDF's token/inspect for the token, as ours asks it: the token must list project `demo`. */
async function inspect(baseUrl, accessToken) {
  const body = await getJson(`${baseUrl}/api/v1/token/inspect`, accessToken);
  if (!body.projects?.some((p) => p.projectUrlName === 'demo')) throw new Error('token/inspect lists no demo');
}

/** `GET url` (with the bearer token, if any) as JSON; throws on a status that is not 2xx. */
async function getJson(url, accessToken) {
  const response = await fetch(url, accessToken ? { headers: { authorization: `Bearer ${accessToken}` } } : {});
  if (!response.ok) throw new Error(`GET ${new URL(url).pathname} answered ${response.status}`);
  return response.json();
}

/**
 * The peer's loopback listener on 127.0.0.1 at /callback, as ours: `onCallback(url)` does the flow's work
 * before the page is answered; `navigate(url)` sends a fresh headless user agent to `url` and resolves once
 * the callback was handled and answered, the listener closed.
 */
async function loopback(onCallback) {
  let handled;
  let reached = false;
  const done = new Promise((resolve, reject) => {
    handled = { resolve, reject };
  });
  done.catch(() => {});
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname !== '/callback') return void res.writeHead(404, { connection: 'close' }).end();
    reached = true;
    onCallback(url).then(
      () => res.writeHead(200, { connection: 'close' }).end('Signed in', handled.resolve),
      (error) => res.writeHead(500, { connection: 'close' }).end('Failed', () => handled.reject(error)),
    );
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const redirectUri = `http://127.0.0.1:${server.address().port}/callback`;
  const navigate = async (url) => {
    try {
      const end = await followRedirects(url, { jar: new CookieJar() });
      // Stopped before the callback (an IdP error page): nothing will settle `done`.
      if (!reached) throw new Error(`the peer's sign-in ended with ${end.status} at ${end.url}`);
      await done;
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  };
  return { redirectUri, navigate };
}

// ---- The heap of pending flows, each side in a fresh child ----

/** One fresh `--expose-gc` child holding 1,000 pending flows of `side`: the bytes of heap per flow. */
async function pendingHeap(side, emulator, children) {
  const config = {
    issuer: emulator.issuer,
    clientId: emulator.clients.cli,
    baseUrl: emulator.baseUrl,
    scope: `${emulator.baseUrl}/.default offline_access openid profile`,
  };
  const heapChild = spawnChild(['heap', side, JSON.stringify(config)], ['--expose-gc'], children);
  let timer;
  // A child that hangs (a flow that never reaches awaitingCallback) must not hang the whole bench.
  const late = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the ${side} heap child gave no answer in ${HEAP_LIMIT_MS} ms`)),
      HEAP_LIMIT_MS,
    );
  });
  try {
    const { bytesPerFlow } = await Promise.race([heapChild.first, late]);
    return bytesPerFlow;
  } finally {
    clearTimeout(timer);
    await heapChild.close();
  }
}

// ---- The rows ----

const cpuText = (s) => show(s, ' ms', 2);
const requestText = (r) => `${r.idp.length} IdP + ${r.cdf.length} CDF requests a warm flow`;
const rounds = (r) => `${ROUNDS} × ${r.n} sequential flows after ${WARM} of each`;

function codeRow(r) {
  const { requests } = r;
  return row({
    what: `sign-in: code + PKCE end to end, this process's CPU per flow (the emulator's IdP and CDF in a child, not counted; the same headless user agent and a loopback listener on 127.0.0.1 on both sides), each flow a fresh sign-in with its own discovery, ${rounds(r)}`,
    baseline: `${PEER}: discovery, PKCE, state and nonce, authorizationCodeGrant (ID token claims and nonce checked; its signature is not, without enableNonRepudiationChecks), token/inspect; ${requestText(requests.peer)}: CPU ${cpuText(r.a)}, wall ${cpuText(r.wallPeer)}`,
    measured: `loginWithAuthorizationCode with headlessOpener(): the same, plus iss (RFC 9207) and the ID token's signature checked against the JWKS (fetched on the first flow of a process only); ${requestText(requests.ours)}: CPU ${cpuText(r.b)}, wall ${cpuText(r.wallOurs)}`,
    ratio: r.ratio,
    target: 1.1,
  });
}

function serviceRow(r) {
  const { requests } = r;
  return row({
    what: `sign-in: client credentials, this process's CPU per token (discovery, the grant, token/inspect on both sides), ${rounds(r)}`,
    baseline: `${PEER} clientCredentialsGrant, scope \`{cluster}/.default\`, then token/inspect; ${requestText(requests.peer)}: CPU ${cpuText(r.a)}, wall ${cpuText(r.wallPeer)}`,
    measured: `loginWithClientCredentials; ${requestText(requests.ours)}: CPU ${cpuText(r.b)}, wall ${cpuText(r.wallOurs)}`,
    ratio: r.ratio,
  });
}

function loginUrlRow(r) {
  const { requests } = r;
  return row({
    what: `sign-in: the legacy login URL end to end, this process's CPU per flow (the same headless user agent and loopback listener), ${rounds(r)}`,
    baseline: `by hand with fetch: \`/login/url\`, the user agent to the callback, \`/login/token\` and \`/login/status\` at once; ${requestText(requests.peer)}: CPU ${cpuText(r.a)}, wall ${cpuText(r.wallPeer)}`,
    measured: `loginWithLoginUrl with headlessOpener(); ${requestText(requests.ours)}: CPU ${cpuText(r.b)}, wall ${cpuText(r.wallOurs)}`,
    ratio: r.ratio,
  });
}

function profileRow({ peer, ours }) {
  const xstate = ours.groups.get('xstate') ?? 0;
  return row({
    what: `sign-in: code + PKCE, where this process's CPU goes per flow, by package (V8's sampling profiler at 100 µs over ${PROFILED} flows of each side after the rounds above; the profiler slows both, so read the shares), and what xstate alone costs against the peer's whole flow`,
    baseline: `${PEER}: ${peer.total.toFixed(2)} ms, of which ${largest(peer, 6)}`,
    measured: `ours: ${ours.total.toFixed(2)} ms, of which ${largest(ours, 8)}; xstate alone is ${((100 * xstate) / peer.total).toFixed(0)} % of the peer's flow, where a ratio of 1.1 leaves 10 % for everything ours adds`,
    ratio: ours.total / peer.total,
  });
}

function heapRow(r) {
  const kib = (s) => show({ ...s, median: s.median / 1024, min: s.min / 1024, max: s.max / 1024 }, ' KiB', 1);
  return row({
    what: `sign-in: heap per pending code flow (\`heapUsed\` after gc() with 1,000 flows waiting for their callback, less before, ÷ 1,000), each side in a fresh child, ${HEAP_ROUNDS} rounds`,
    baseline: `${PEER} discovered once, then per flow the PKCE verifier, state, nonce, the authorization URL and an http.createServer on 127.0.0.1: ${kib(r.a)} per flow`,
    measured: `loginWithAuthorizationCode waiting in awaitingCallback (its machine, its listener, its timers; it discovers per flow, its metadata and kept-alive sockets counted here, as the public API has no way to hand it discovered metadata): ${kib(r.b)} per flow; xstate's floor, an actor of the code flow's shape alone waiting in awaitingCallback (bench/code-shape.mjs: no context, listener or metadata): ${kib(r.floor)}`,
    ratio: r.ratio,
    target: 2,
  });
}

// ---- Child processes ----

/**
 * bench/peers-child.mjs forked with `args` (node flags `execArgv`), kept in `children` until it exits:
 * `first`, its first message; `call(message)`, its answer to `message`; `close()`, ends it (SIGKILL when
 * SIGTERM is not enough within 2 s).
 */
function spawnChild(args, execArgv, children) {
  const proc = fork(CHILD, args, { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.add(proc);
  let stderr = '';
  proc.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const waiting = new Map();
  let nextId = 0;
  let firstOf;
  const first = new Promise((resolve, reject) => {
    firstOf = { resolve, reject };
  });
  first.catch(() => {});
  proc.on('message', (message) => {
    firstOf.resolve(message);
    waiting.get(message?.id)?.resolve(message);
    waiting.delete(message?.id);
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  let failure = null;
  void exited.then((code) => {
    children.delete(proc);
    failure = new Error(`bench/peers-child.mjs ${args[0]} exited (${proc.signalCode ?? code}): ${stderr.trim()}`);
    firstOf.reject(failure);
    for (const call of waiting.values()) call.reject(failure);
  });
  proc.on('error', (error) => firstOf.reject(error));
  return {
    first,
    call: (message) =>
      failure
        ? Promise.reject(failure)
        : new Promise((resolve, reject) => {
            const id = nextId++;
            waiting.set(id, { resolve, reject });
            proc.send({ id, ...message });
          }),
    close: () => stop(proc, exited),
  };
}

/** SIGTERM, then SIGKILL after 2 s; resolves once `proc` exited. */
async function stop(proc, exited = new Promise((resolve) => proc.once('exit', resolve))) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 2_000);
  // A child that never spawned never exits: give up waiting after the SIGKILL had its chance.
  let giveUp;
  await Promise.race([exited, new Promise((resolve) => (giveUp = setTimeout(resolve, 5_000)))]);
  clearTimeout(timer);
  clearTimeout(giveUp);
}

/** Ends every child still running. */
const killAll = (children) => Promise.all([...children].map((proc) => stop(proc)));

if (runDirectly(import.meta.url)) {
  const started = performance.now();
  const onRequests = (name, { ours, peer }) => {
    process.stderr.write(
      `${name}, one flow:\n  ours: ${[...ours.idp, ...ours.cdf.map((l) => `CDF ${l}`)].join(', ')}\n`,
    );
    process.stderr.write(`  peer: ${[...peer.idp, ...peer.cdf.map((l) => `CDF ${l}`)].join(', ')}\n`);
  };
  const rows = await peerRows({ onRequests });
  console.log(table(rows));
  console.log(`\n${((performance.now() - started) / 1000).toFixed(0)} s`);
}
