/**
 * The demo's server-side sign-in (`cdf-authflow/server`): two instances of a web backend sharing one
 * store; the sign-in begins on instance A and its callback lands on instance B, as behind a load
 * balancer. On a real `redis-server` when it is installed; else on memory stores shared in this process,
 * and the demo says so.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { followRedirects } from '../../drivers/node/headless-browser.js';
import { createServerAuth } from '../../drivers/server/server-auth.js';
import {
  createMemoryServerStores,
  createRedisServerStores,
  type ServerStores,
} from '../../drivers/server/server-stores.js';
import type { ServerHandler } from '../../drivers/server/types.js';
import type { Emulator } from '../../emulator/index.js';
import { connectRedis, type RedisConnection } from '../../stores/redis/connection.js';

/** A listening instance whose handler is set once the emulator knows its redirect URI. */
export interface DemoInstance {
  readonly port: number;
  handle(handler: ServerHandler): void;
  close(): Promise<void>;
}

/** Listens on a free loopback port; answers 503 until `handle` is called. */
export async function demoInstance(): Promise<DemoInstance> {
  let handler: ServerHandler | null = null;
  const server = http.createServer((req, res) => {
    if (handler) void handler(req, res, () => res.writeHead(200, { 'content-type': 'text/plain' }).end('app page'));
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    handle: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The two instances' stores: two connections to one redis-server, or one set of memory stores. */
async function sharedStores(say: (line: string) => void) {
  const { redisServerInstalled, startRedisServer } = await import('../../emulator/redis-server.js');
  if (!redisServerInstalled()) {
    say(
      '  redis-server is not installed (apt-get install redis-server): the two instances share memory stores in this process instead.\n',
    );
    const stores = createMemoryServerStores();
    return { stores: [stores, stores] as const, close: async () => {} };
  }
  const redis = await startRedisServer();
  say(`  redis-server started at ${redis.url} (no persistence); every value in it is sealed with AES-256-GCM.\n`);
  const key = (await import('node:crypto')).randomBytes(32).toString('base64');
  const connections: RedisConnection[] = [await connectRedis(redis.url), await connectRedis(redis.url)];
  const stores = connections.map((c) => createRedisServerStores({ redis: c, encryptionKeys: [key] })) as [
    ServerStores,
    ServerStores,
  ];
  return {
    stores,
    close: async () => {
      await Promise.all(connections.map((c) => c.close()));
      await redis.stop();
    },
  };
}

/**
 * Signs a person in on instance A with the callback delivered to instance B (B's origin is the site's,
 * registered at the IdP); says in words what happened.
 */
export async function serverSideSignIn(
  emulator: Emulator,
  a: DemoInstance,
  b: DemoInstance,
  say: (line: string) => void,
): Promise<string> {
  const shared = await sharedStores(say);
  try {
    const origin = `http://127.0.0.1:${b.port}`;
    const options = {
      origin,
      baseUrl: emulator.baseUrl,
      project: 'demo',
      issuer: emulator.issuer,
      clientId: emulator.clients.web.id,
      clientSecret: emulator.clients.web.secret,
    };
    const [authA, authB] = [
      createServerAuth({ ...options, stores: shared.stores[0] }),
      createServerAuth({ ...options, stores: shared.stores[1] }),
    ];
    a.handle(authA.handle);
    b.handle(authB.handle);
    const { CookieJar } = await import('tough-cookie');
    const jar = new CookieJar();
    say(
      `  GET http://127.0.0.1:${a.port}/auth/login (instance A) -> the IdP -> ${origin}/auth/callback (instance B)\n`,
    );
    const end = await followRedirects(`http://127.0.0.1:${a.port}/auth/login?returnTo=/reports`, { jar });
    const cookie = await jar.getCookieString(origin);
    const info = await (await fetch(`${origin}/auth/session`, { headers: { cookie } })).json();
    if (end.url !== `${origin}/reports` || info.status !== 'signedIn') {
      throw new Error(`the sign-in ended at ${end.url} (${end.status}), session: ${info.status}`);
    }
    return `signed in as ${info.user.subject} in ${info.project}: begun on A, completed on B; the browser holds only an HttpOnly cookie, no token`;
  } finally {
    await shared.close();
  }
}
