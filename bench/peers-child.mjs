// The other processes of the figures against openid-client (bench/peers.mjs), forked with an IPC channel:
//   node bench/peers-child.mjs emulator          the emulator (CDF and its headless IdP, generic profile), so
//                                                its CPU is not the bench process's; sends what it is, then
//                                                answers { id, op: 'mark' | 'since', ... } about its request logs
//   node --expose-gc bench/peers-child.mjs heap ours|peer|shape CONFIG
//                                                1,000 pending code flows in a fresh heap (shape: xstate alone,
//                                                bench/code-shape.mjs); sends the heap they hold, then exits
// Either role ends when the bench process goes (the IPC channel closes), however it went.
import { setMaxListeners } from 'node:events';
import http from 'node:http';

const role = process.argv[2];
process.on('disconnect', () => process.exit(0));
/** Pending flows measured, and the ones started (and cancelled) first so that lazy modules and JIT are warm. */
const FLOWS = 1_000;
const WARM = 20;
/** Flows started at a time: each of ours discovers, so not a thousand sockets to the emulator at once. */
const BATCH = 50;

if (role === 'emulator') {
  const { startEmulator } = await import('../dist/src/emulator/index.js');
  // oidc-provider's notices, away from the bench's output (stdout is ignored by the parent).
  console.info = console.log;
  // The generic profile's CLI client takes any loopback port at /callback (RFC 8252 §7.3), as both sides use.
  const emulator = await startEmulator();
  const line = (r) => `${r.method} ${r.path.replace(/\/[\w-]{16,}/g, '/:id')}`;
  const ops = {
    mark: () => ({ cdf: emulator.requests.length, idp: emulator.idpRequests.length }),
    since: ({ cdf, idp }) => ({
      cdf: emulator.requests.slice(cdf).map(line),
      idp: emulator.idpRequests.slice(idp).map(line),
    }),
  };
  process.on('message', ({ id, op, ...args }) => process.send({ id, ...ops[op](args) }));
  process.send({
    baseUrl: emulator.baseUrl,
    issuer: emulator.issuer,
    clients: { cli: emulator.clients.cli, service: emulator.clients.service },
    cliRedirect: emulator.cliRedirect,
  });
} else if (role === 'heap' && typeof globalThis.gc === 'function') {
  const config = JSON.parse(process.argv[4]);
  const sides = { ours, peer, shape };
  const side = await sides[process.argv[3]](config);
  await side.start(WARM);
  await side.stop();
  const before = heapAfterGc();
  await side.start(FLOWS);
  const after = heapAfterGc();
  process.send({ bytesPerFlow: (after - before) / FLOWS });
  await side.stop();
  process.disconnect();
} else {
  process.stderr.write('usage: node bench/peers-child.mjs emulator | node --expose-gc … heap ours|peer|shape CONFIG\n');
  process.exit(2);
}

/** heapUsed once the garbage is gone (twice: a first pass can leave what finalizers freed). */
function heapAfterGc() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Ours: loginWithAuthorizationCode with an opener that hands the URL over and nothing more, so each flow
 * discovers, opens its loopback listener and waits in awaitingCallback; `start(n)` resolves once all n wait.
 */
async function ours({ issuer, clientId, baseUrl }) {
  const { loginWithAuthorizationCode } = await import('../dist/src/node.js');
  // One signal for all the flows, as a caller cancelling them at once would pass (and no warning for it).
  const controller = () => {
    const made = new AbortController();
    setMaxListeners(0, made.signal);
    return made;
  };
  let abort = controller();
  let flows = [];
  const startOne = () =>
    new Promise((resolve, reject) => {
      const flow = loginWithAuthorizationCode({
        issuer,
        clientId,
        baseUrl,
        project: 'demo',
        opener: async () => {},
        signal: abort.signal,
        onTransition: (t) => t.to === 'awaitingCallback' && resolve(),
      });
      // Only our own cancel may end a flow; anything earlier is a broken measurement.
      flows.push(flow.catch((error) => (abort.signal.aborted ? null : reject(error))));
    });
  return {
    async start(n) {
      for (let i = 0; i < n; i += BATCH) {
        await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, startOne));
      }
    },
    async stop() {
      abort.abort();
      await Promise.all(flows);
      abort = controller();
      flows = [];
    },
  };
}

/**
 * The peer: openid-client discovered once, then per flow what it takes to wait for a callback: the PKCE
 * verifier, state and nonce, the authorization URL, and a listener on 127.0.0.1 whose handler would redeem
 * the code (it is never called here).
 */
async function peer({ issuer, clientId, scope }) {
  const client = await import('openid-client');
  const config = await client.discovery(new URL(issuer), clientId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
  let pending = [];
  const startOne = async () => {
    const checks = {
      pkceCodeVerifier: client.randomPKCECodeVerifier(),
      expectedState: client.randomState(),
      expectedNonce: client.randomNonce(),
      idTokenExpected: true,
    };
    let callback;
    const done = new Promise((resolve) => (callback = resolve));
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      if (url.pathname !== '/callback') return void res.writeHead(404).end();
      callback(client.authorizationCodeGrant(config, url, checks));
      res.end('signed in');
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const redirectUri = `http://127.0.0.1:${server.address().port}/callback`;
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(checks.pkceCodeVerifier),
      code_challenge_method: 'S256',
      state: checks.expectedState,
      nonce: checks.expectedNonce,
    });
    pending.push({ server, url, checks, done });
  };
  return {
    async start(n) {
      for (let i = 0; i < n; i += BATCH) {
        await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, startOne));
      }
    },
    async stop() {
      await Promise.all(pending.map(({ server }) => new Promise((resolve) => server.close(resolve))));
      pending = [];
    },
  };
}

/**
 * xstate's floor: actors of the code flow's shape without our code (bench/code-shape.mjs), each waiting in
 * awaitingCallback with its timeout scheduled, as ours waits; no listener, no metadata.
 */
async function shape() {
  const { createActor } = await import('xstate');
  const { codeShape } = await import('./code-shape.mjs');
  let actors = [];
  const startOne = () =>
    new Promise((resolve) => {
      const actor = createActor(codeShape);
      actor.subscribe((snapshot) => snapshot.value === 'awaitingCallback' && resolve());
      actor.start();
      actor.send({ type: 'START' });
      actors.push(actor);
    });
  return {
    async start(n) {
      await Promise.all(Array.from({ length: n }, startOne));
    },
    async stop() {
      for (const actor of actors) actor.stop();
      actors = [];
    },
  };
}
