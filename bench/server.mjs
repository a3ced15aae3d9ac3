// The server driver's figures for npm run bench (bench/run.mjs): sign-ins per second on one instance with
// the memory and the Redis stores (A B A B in one run), the latency getToken(req) adds with Redis against
// memory (median and p99), and what a pending sign-in and a session take in Redis (MEMORY USAGE).
import http from 'node:http';
import { CookieJar } from 'tough-cookie';
import { followRedirects } from '../dist/src/drivers/node/headless-browser.js';
import { startEmulator, startRedisServer } from '../dist/src/emulator/index.js';
import { connectRedis, createRedisServerStores, createServerAuth } from '../dist/src/server.js';

const KEY = Buffer.alloc(32, 3).toString('base64');
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
const p99 = (xs) => sorted(xs)[Math.floor(xs.length * 0.99)];

/** An app on `port` with `stores` (memory when undefined); resolves with its auth and how to close it. */
async function app(emulator, port, stores) {
  const auth = createServerAuth({
    origin: `http://127.0.0.1:${port}`,
    baseUrl: emulator.baseUrl,
    project: 'demo',
    issuer: emulator.issuer,
    clientId: emulator.clients.web.id,
    clientSecret: emulator.clients.web.secret,
    ...(stores ? { stores } : {}),
  });
  const server = http.createServer((req, res) => void auth.handle(req, res, () => res.end('page')));
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    auth,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

/** `n` complete sign-ins (login, the IdP, the callback), 8 at a time; per second. */
async function signIns(port, n) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < n) {
        const end = await followRedirects(`http://127.0.0.1:${port}/auth/login`, { jar: new CookieJar() });
        if (end.status !== 200) throw new Error(`a sign-in ended with ${end.status} at ${end.url}`);
      }
    }),
  );
  return (n / (performance.now() - started)) * 1000;
}

/** `n` logins alone (the server's half before the IdP: the machine to awaitingCallback, the pending entry kept); per second. */
async function logins(port, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const one = () =>
    new Promise((resolve, reject) =>
      http.get({ host: '127.0.0.1', port, path: '/auth/login', agent }, (res) => {
        res.resume();
        res.statusCode === 302 ? resolve() : reject(new Error(`login answered ${res.statusCode}`));
      }),
    );
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < n) await one();
    }),
  );
  agent.destroy();
  return (n / (performance.now() - started)) * 1000;
}

/** Latencies of `n` sequential getToken(req) for one signed-in cookie, ms. */
async function getTokens(auth, cookie, n) {
  const req = { headers: { cookie } };
  const times = [];
  for (let i = 0; i < n; i += 1) {
    const started = performance.now();
    await auth.getToken(req);
    times.push(performance.now() - started);
  }
  return times;
}

/** The server rows of docs/benchmarks.md. */
export async function serverRows() {
  const redis = await startRedisServer();
  const connection = await connectRedis(redis.url);
  const ports = [await freePort(), await freePort()];
  const emulator = await startEmulator({ webRedirectUris: ports.map((p) => `http://127.0.0.1:${p}/auth/callback`) });
  const memory = await app(emulator, ports[0]);
  const onRedis = await app(emulator, ports[1], createRedisServerStores({ redis: connection, encryptionKeys: [KEY] }));
  const rows = [];
  try {
    const rates = { memory: [], redis: [], loginMemory: [], loginRedis: [] };
    for (let round = 0; round < 3; round += 1) {
      rates.memory.push(await signIns(ports[0], 100));
      rates.redis.push(await signIns(ports[1], 100));
      rates.loginMemory.push(await logins(ports[0], 1_000));
      rates.loginRedis.push(await logins(ports[1], 1_000));
    }
    rows.push({
      what: 'server: complete sign-ins per second on one instance (login, the emulator IdP and CDF in the same process, callback), 8 at a time, 3 × 100',
      baseline: `memory store: ${median(rates.memory).toFixed(0)}/s`,
      measured: `Redis store: ${median(rates.redis).toFixed(0)}/s`,
      ratio: (median(rates.memory) / median(rates.redis)).toFixed(2),
    });
    rows.push({
      what: 'server: `GET /auth/login` per second (the machine to awaitingCallback, the pending sign-in kept), 8 at a time, 3 × 1,000',
      baseline: `memory store: ${median(rates.loginMemory).toFixed(0)}/s`,
      measured: `Redis store (sealed, SET PX): ${median(rates.loginRedis).toFixed(0)}/s`,
      ratio: (median(rates.loginMemory) / median(rates.loginRedis)).toFixed(2),
    });
    const cookies = [];
    for (const port of ports) {
      const jar = new CookieJar();
      await followRedirects(`http://127.0.0.1:${port}/auth/login`, { jar });
      cookies.push(await jar.getCookieString(`http://127.0.0.1:${port}/`));
    }
    const latency = { memory: [], redis: [] };
    for (let round = 0; round < 4; round += 1) {
      latency.memory.push(...(await getTokens(memory.auth, cookies[0], 1_000)));
      latency.redis.push(...(await getTokens(onRedis.auth, cookies[1], 1_000)));
    }
    rows.push({
      what: 'server: `getToken(req)` on a fresh token, 4 × 1,000 sequential calls (the session read and its idle lifetime touched)',
      baseline: `memory: median ${median(latency.memory).toFixed(3)} ms, p99 ${p99(latency.memory).toFixed(3)} ms`,
      measured: `Redis on loopback: median ${median(latency.redis).toFixed(3)} ms, p99 ${p99(latency.redis).toFixed(3)} ms; added at the median ${(median(latency.redis) - median(latency.memory)).toFixed(3)} ms`,
      ratio: (median(latency.redis) / median(latency.memory)).toFixed(2),
    });
    rows.push(await redisBytes(connection, ports[1]));
  } finally {
    await memory.close();
    await onRedis.close();
    await connection.close();
    await emulator.close();
    await redis.stop();
  }
  return rows;
}

/** What one pending sign-in and one session take in Redis, by `MEMORY USAGE` of their keys. */
async function redisBytes(connection, port) {
  const send = (...args) => connection.commands.sendCommand(args);
  await send('FLUSHALL');
  await new Promise((resolve) =>
    http.get(`http://127.0.0.1:${port}/auth/login`, (res) => {
      res.resume();
      res.on('end', resolve);
    }),
  );
  const usage = async (pattern) => {
    let total = 0;
    for (const key of await send('KEYS', pattern)) total += Number(await send('MEMORY', 'USAGE', key));
    return total;
  };
  const pending = await usage('cdf-authflow:pending:*');
  await send('FLUSHALL');
  await followRedirects(`http://127.0.0.1:${port}/auth/login`, { jar: new CookieJar() });
  const session = (await usage('cdf-authflow:cred:*')) + (await usage('cdf-authflow:live:*'));
  return {
    what: 'server: Redis memory per pending sign-in and per session (`MEMORY USAGE`, sealed values; a session is its credential and its idle-lifetime key)',
    baseline: `pending sign-in: ${pending} bytes`,
    measured: `session: ${session} bytes (a renewal adds a fence counter key)`,
    ratio: (session / pending).toFixed(2),
  };
}

function freePort() {
  return new Promise((resolve) => {
    const probe = http.createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
