// The other processes of the server figures (bench/server.mjs), so that the bench process holds only the
// server driver and its CPU time is the driver's own. Forked with an IPC channel, in one of two roles:
//   node bench/server-agent.mjs emulator URI...  the emulator (CDF and its IdP), with URI... registered as the
//                                                 web client's redirect URIs; sends what it is, then runs
//   node bench/server-agent.mjs agents           user agents: the headless browser, a fresh cookie jar per
//                                                 sign-in; answers each message { id, op, ... } with { id, ... }
// Either role ends when the bench process goes (the IPC channel closes), however it went.
import http from 'node:http';

const role = process.argv[2];
process.on('disconnect', () => process.exit(0));

if (role === 'emulator') {
  const { startEmulator } = await import('../dist/src/emulator/index.js');
  // oidc-provider's notices, away from the bench's output (stdout is ignored by the parent).
  console.info = console.log;
  const emulator = await startEmulator({ webRedirectUris: process.argv.slice(3) });
  process.send({
    baseUrl: emulator.baseUrl,
    issuer: emulator.issuer,
    clients: { web: emulator.clients.web },
  });
} else if (role === 'agents') {
  const { CookieJar } = await import('tough-cookie');
  const { followRedirects } = await import('../dist/src/drivers/node/headless-browser.js');
  const ops = {
    /** `n` complete sign-ins from `url` (login, the IdP, the callback, the page), `concurrency` at a time. */
    async signIns({ url, n, concurrency }) {
      return runMany(n, concurrency, async () => {
        const end = await followRedirects(url, { jar: new CookieJar() });
        if (end.status !== 200) throw new Error(`a sign-in ended with ${end.status} at ${end.url}`);
      });
    },
    /** `n` `GET url` answered 302 (a login alone: the browser is not sent on to the IdP), on kept-alive sockets. */
    async logins({ url, n, concurrency }) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
      const one = () =>
        new Promise((resolve, reject) =>
          http
            .get(url, { agent }, (res) => {
              res.resume();
              res.statusCode === 302 ? resolve() : reject(new Error(`login answered ${res.statusCode}`));
            })
            .on('error', reject),
        );
      try {
        return await runMany(n, concurrency, one);
      } finally {
        agent.destroy();
      }
    },
    /** One sign-in from `url`; the session cookie it left for `origin`. */
    async cookie({ url, origin }) {
      const jar = new CookieJar();
      const end = await followRedirects(url, { jar });
      if (end.status !== 200) throw new Error(`a sign-in ended with ${end.status} at ${end.url}`);
      return { cookie: await jar.getCookieString(`${origin}/`) };
    },
  };
  process.on('message', async ({ id, op, ...args }) => {
    try {
      process.send({ id, ...(await ops[op](args)) });
    } catch (error) {
      process.send({ id, error: String(error?.stack ?? error) });
    }
  });
} else {
  process.stderr.write('usage: node bench/server-agent.mjs emulator URI... | agents (forked by bench/server.mjs)\n');
  process.exit(2);
}

/** `n` runs of `fn`, `concurrency` at a time; the wall-clock ms they took. */
async function runMany(n, concurrency, fn) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) await fn();
    }),
  );
  return { ms: performance.now() - started };
}
