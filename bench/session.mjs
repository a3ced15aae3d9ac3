// The session's figures for npm run bench (bench/run.mjs): 10,000 concurrent getToken() callers during one
// refresh, a 50 MB IdP answer, and 4 `cdf-auth token` processes on one login that needs a refresh, each
// against its baseline in the same run, alternating.
import { execFile } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import * as oidcClient from 'openid-client';
import { startEmulator } from '../dist/src/emulator/index.js';
import { createCdfSession, createOidcClient } from '../dist/src/index.js';
import { CLI, cachedLogin } from './cli-login.mjs';
import { row } from './measure.mjs';

const run = promisify(execFile);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Five rounds of `run(baseline)` and `run(measured)`, alternating; the medians of both and the last measured run. */
async function fiveRounds(run, baseline, measured) {
  const one = [];
  const many = [];
  let last;
  for (let i = 0; i < 5; i += 1) {
    one.push((await run(baseline)).ms);
    last = await run(measured);
    many.push(last.ms);
  }
  return { one: median(one), many: median(many), last };
}
const time = async (fn) => {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
};

/** A loopback IdP: discovery and a token endpoint that answers after `delayMs`, or with `bodyBytes`. */
async function tokenIdp() {
  let hits = 0;
  let mode = { delayMs: 20, bodyBytes: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ issuer, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` }));
    }
    hits += 1;
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        if (mode.bodyBytes) {
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          res.write('{"access_token":"');
          let sent = 0;
          const pump = () => {
            while (sent < mode.bodyBytes) {
              sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end('","token_type":"Bearer","expires_in":600}');
          };
          res.on('error', () => {});
          return pump();
        }
        res.end(
          JSON.stringify({
            access_token: `at-${hits}`,
            token_type: 'Bearer',
            expires_in: 600,
            refresh_token: `rt-${hits}`,
          }),
        );
      }, mode.delayMs),
    );
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer,
    hits: () => hits,
    set(next) {
      mode = { delayMs: 20, bodyBytes: 0, ...next };
      hits = 0;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The session's rows. */
export async function sessionRows() {
  const idp = await tokenIdp();
  try {
    return [...(await callerRows(idp)), await hugeAnswerRow(idp), await processRow()];
  } finally {
    await idp.close();
  }
}

async function callerRows(idp) {
  const rows = [];
  // 1. getToken: 10,000 concurrent callers during one refresh, against 1 caller.
  const callers = async (n) => {
    const session = createCdfSession(
      {
        kind: 'oidc',
        tokens: { accessToken: 'old', tokenType: 'Bearer', expiresAt: Date.now() + 5_000, refreshToken: 'rt' },
      },
      { issuer: idp.issuer, clientId: 'cli', baseUrl: 'http://127.0.0.1:1' },
    );
    idp.set({ delayMs: 20 });
    let resolved = 0;
    const ms = await time(async () => {
      const tokens = await Promise.all(Array.from({ length: n }, () => session.getToken()));
      resolved = tokens.filter((t) => t === 'at-1').length;
    });
    session.logout();
    return { ms, resolved, refreshes: idp.hits() };
  };
  // The peer: openid-client's refresh grant behind a five-line memo, the same 10,000 callers.
  const config = await oidcClient.discovery(new URL(idp.issuer), 'cli', undefined, oidcClient.None(), {
    execute: [oidcClient.allowInsecureRequests],
  });
  const memoized = async (n) => {
    idp.set({ delayMs: 20 });
    let pending;
    const getToken = () => {
      pending ??= oidcClient.refreshTokenGrant(config, 'rt').then((answer) => answer.access_token);
      return pending;
    };
    let resolved = 0;
    const ms = await time(async () => {
      const tokens = await Promise.all(Array.from({ length: n }, () => getToken()));
      resolved = tokens.filter((t) => t === 'at-1').length;
    });
    return { ms, resolved, refreshes: idp.hits() };
  };
  {
    const { one, many, last } = await fiveRounds(callers, 1, 10_000);
    rows.push(
      row({
        what: 'session.getToken(): 10,000 concurrent callers on an expiring token (refresh answered after 20 ms), against 1 caller',
        baseline: `1 caller: ${one.toFixed(1)} ms`,
        measured: `10,000 callers: ${many.toFixed(1)} ms; ${last.refreshes} refresh request, ${last.resolved} tokens`,
        ratio: many / one,
      }),
    );
    const peer = [];
    const ours = [];
    let lastPeer;
    for (let i = 0; i < 5; i += 1) {
      lastPeer = await memoized(10_000);
      peer.push(lastPeer.ms);
      ours.push((await callers(10_000)).ms);
    }
    rows.push(
      row({
        what: 'session.getToken(): 10,000 concurrent callers on an expiring token, against openid-client 6 `refreshTokenGrant` behind a five-line memo (no expiry check, no lock, no store)',
        baseline: `openid-client + memo: ${median(peer).toFixed(1)} ms; ${lastPeer.refreshes} refresh request, ${lastPeer.resolved} tokens`,
        measured: `cdf-authflow: ${median(ours).toFixed(1)} ms`,
        ratio: median(ours) / median(peer),
      }),
    );
  }
  return rows;
}

async function hugeAnswerRow(idp) {
  const rows = [];
  // 2. 50 MB token answer: refused at the 1 MiB cap; time and heap against a normal answer.
  {
    const client = createOidcClient({
      issuer: idp.issuer,
      clientId: 'cli',
      clientSecret: 'secret-1234',
      timeoutMs: 30_000,
    });
    const normal = [];
    const huge = [];
    let growth = 0;
    for (let i = 0; i < 5; i += 1) {
      idp.set({ delayMs: 0 });
      normal.push(await time(() => client.clientCredentials({ scope: 's' })));
      idp.set({ delayMs: 0, bodyBytes: 50 * 1024 * 1024 });
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      huge.push(await time(() => client.clientCredentials({ scope: 's' }).catch(() => {})));
      growth = Math.max(growth, process.memoryUsage().heapUsed - before);
    }
    rows.push(
      row({
        what: 'IdP token answer of 50 MB (refused past 1 MiB, connection dropped)',
        baseline: `a normal answer: ${median(normal).toFixed(1)} ms`,
        measured: `50 MB answer refused in ${median(huge).toFixed(1)} ms; heap growth at most ${(growth / 1024 / 1024).toFixed(1)} MiB`,
        ratio: median(huge) / median(normal),
      }),
    );
  }
  return rows[0];
}

async function processRow() {
  const rows = [];
  // 3. cdf-auth token: 4 processes at once on a login that needs a refresh, against 1 process.
  {
    const emulator = await startEmulator();
    // Signed in as a person would, then the cached token made to need a refresh before each round.
    const { home, env } = await cachedLogin(emulator);
    const expire = async () => {
      const file = path.join(
        home,
        (await readdir(home)).find((f) => f.startsWith('tokens-')),
      );
      const current = JSON.parse(await readFile(file, 'utf8'));
      await writeFile(file, JSON.stringify({ ...current, tokens: { ...current.tokens, expiresAt: Date.now() - 1 } }), {
        mode: 0o600,
      });
    };
    const procs = async (n) => {
      await expire();
      const before = emulator.idpRequests.filter((r) => r.path === '/token').length;
      let outs = [];
      const ms = await time(async () => {
        outs = await Promise.all(Array.from({ length: n }, () => run(process.execPath, [CLI, 'token'], { env })));
      });
      const refreshes = emulator.idpRequests.filter((r) => r.path === '/token').length - before;
      return { ms, refreshes, distinct: new Set(outs.map((o) => o.stdout.trim())).size };
    };
    const { one, many, last } = await fiveRounds(procs, 1, 4);
    rows.push(
      row({
        what: '`cdf-auth token`: 4 processes at once on a login that needs a refresh (rotating refresh tokens)',
        baseline: `1 process: ${one.toFixed(0)} ms`,
        measured: `4 processes: ${many.toFixed(0)} ms; ${last.refreshes} refresh request, ${last.distinct} distinct token`,
        ratio: many / one,
      }),
    );
    await emulator.close();
    await rm(home, { recursive: true, force: true });
  }
  return rows[0];
}
