/**
 * The Redis store, lock and expiring store against a real `redis-server` (Debian's, started here on a
 * free port): what other instances see, what a dump shows, what happens when Redis goes away and comes
 * back. In CI a missing redis-server fails these tests: nothing here skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../src/emulator/redis-server.js';
import { AuthFlowError } from '../../src/errors/auth-flow-error.js';
import { renewOnce } from '../../src/session/renew-once.js';
import { connectRedis, type RedisConnection } from '../../src/stores/redis/connection.js';
import { createRedisCredentialStore } from '../../src/stores/redis/redis-credential-store.js';
import { createRedisExpiringStore } from '../../src/stores/redis/redis-expiring-store.js';
import { createRedisRenewLock } from '../../src/stores/redis/redis-renew-lock.js';
import { createSealer } from '../../src/stores/redis/sealer.js';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64url');
const SECRET = 'refresh-token-that-must-never-show';

interface Cred {
  readonly token: string;
  readonly expiresAt: number;
}

let server: RedisServer;
const open: RedisConnection[] = [];
const connect = async () => {
  const connection = await connectRedis(server.url, { commandTimeoutMs: 2_000 });
  open.push(connection);
  return connection;
};
const raw = async (connection: RedisConnection, ...args: string[]) => connection.commands.sendCommand(args);

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await server?.stop();
});

describe('the credential store', () => {
  it('holds credentials sealed: a dump of every key shows no token, and another instance reads them', async () => {
    const [a, b] = [await connect(), await connect()];
    const storeA = createRedisCredentialStore<Cred>({ redis: a, encryptionKeys: [KEY_A], namespace: 'seal' });
    const storeB = createRedisCredentialStore<Cred>({ redis: b, encryptionKeys: [KEY_A], namespace: 'seal' });
    const written = await storeA.write('session-id-secret', { token: SECRET, expiresAt: 1 }, null);
    expect(written.status).toBe('written');
    expect(await storeB.read('session-id-secret')).toEqual({
      credential: { token: SECRET, expiresAt: 1 },
      version: (written as { version: string }).version,
    });
    const names = (await raw(a, 'KEYS', 'seal:*')) as string[];
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(name).not.toContain('session-id-secret');
      const type = await raw(a, 'TYPE', name);
      const values = type === 'hash' ? await raw(a, 'HGETALL', name) : await raw(a, 'GET', name);
      expect(JSON.stringify(values)).not.toContain(SECRET);
    }
  });

  it('is compare-and-set: of two writers that read one version, one writes and the other hears conflict', async () => {
    const [a, b] = [await connect(), await connect()];
    const storeA = createRedisCredentialStore<Cred>({ redis: a, encryptionKeys: [KEY_A], namespace: 'cas' });
    const storeB = createRedisCredentialStore<Cred>({ redis: b, encryptionKeys: [KEY_A], namespace: 'cas' });
    const first = await storeA.write('k', { token: 't0', expiresAt: 1 }, null);
    const version = (first as { version: string }).version;
    const results = await Promise.all([
      storeA.write('k', { token: 'a', expiresAt: 2 }, version),
      storeB.write('k', { token: 'b', expiresAt: 2 }, version),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['conflict', 'written']);
    expect(await storeB.write('k', { token: 'c', expiresAt: 2 }, null)).toEqual({ status: 'conflict' });
  });

  it('judges a late write by its version alone: a holder whose lease ran out still writes while the version is current', async () => {
    const redis = await connect();
    const store = createRedisCredentialStore<Cred>({ redis, encryptionKeys: [KEY_A], namespace: 'fence' });
    const lock = createRedisRenewLock({ redis, namespace: 'fence' });
    const first = (await store.write('k', { token: 't0', expiresAt: 1 }, null)) as { version: string };
    let staleFence = 0;
    await lock.withLock(
      'k',
      async (fence) => {
        staleFence = fence;
        await new Promise((resolve) => setTimeout(resolve, 120)); // the lease (50 ms) runs out meanwhile
      },
      { ttlMs: 50, waitMs: 1_000 },
    );
    const newer = await lock.withLock('k', async (fence) => fence, { ttlMs: 5_000, waitMs: 1_000 });
    expect(newer).toBeGreaterThan(staleFence);
    // Its result is the only current token (the IdP rotated the one it read): kept.
    const late = await store.write('k', { token: 'late', expiresAt: 2 }, first.version, { fence: staleFence });
    expect(late.status).toBe('written');
    // The next holder read the same version: it loses, and adopts the late holder's token.
    expect(await store.write('k', { token: 'new', expiresAt: 2 }, first.version, { fence: newer })).toEqual({
      status: 'conflict',
    });
  });

  it('keeps the fence counter when a credential is removed: fences never restart while a holder may live', async () => {
    const redis = await connect();
    const store = createRedisCredentialStore<Cred>({ redis, encryptionKeys: [KEY_A], namespace: 'keep' });
    const lock = createRedisRenewLock({ redis, namespace: 'keep' });
    await store.write('k', { token: 't0', expiresAt: 1 }, null);
    const before = await lock.withLock('k', async (fence) => fence, { ttlMs: 5_000, waitMs: 1_000 });
    await store.remove('k');
    const after = await lock.withLock('k', async (fence) => fence, { ttlMs: 5_000, waitMs: 1_000 });
    expect(after).toBeGreaterThan(before);
  });

  it('tells another instance of every write and removal over pub/sub', async () => {
    const [a, b] = [await connect(), await connect()];
    const storeA = createRedisCredentialStore<Cred>({ redis: a, encryptionKeys: [KEY_A], namespace: 'news' });
    const storeB = createRedisCredentialStore<Cred>({ redis: b, encryptionKeys: [KEY_A], namespace: 'news' });
    const heard: unknown[] = [];
    const stop = storeB.subscribe?.('k', (update) => heard.push(update?.credential ?? null));
    await storeB.read('k'); // the subscription is confirmed before a read answers
    await storeA.write('k', { token: 'x', expiresAt: 1 }, null);
    await storeA.remove('k');
    await expect.poll(() => heard).toEqual([{ token: 'x', expiresAt: 1 }, null]);
    stop?.();
  });

  it('opens what the old key sealed after a rotation, and reads a value under a dropped key as cacheCorrupt', async () => {
    const redis = await connect();
    const old = createRedisCredentialStore<Cred>({ redis, encryptionKeys: [KEY_A], namespace: 'rot' });
    await old.write('k', { token: 'sealed-under-a', expiresAt: 1 }, null);
    const rotated = createRedisCredentialStore<Cred>({ redis, encryptionKeys: [KEY_B, KEY_A], namespace: 'rot' });
    const held = await rotated.read('k');
    expect(held?.credential.token).toBe('sealed-under-a');
    await rotated.write('k', { token: 'sealed-under-b', expiresAt: 1 }, held?.version ?? null);
    const onlyB = createRedisCredentialStore<Cred>({ redis, encryptionKeys: [KEY_B], namespace: 'rot' });
    expect((await onlyB.read('k'))?.credential.token).toBe('sealed-under-b');
    await old.remove('k');
    await old.write('k', { token: 'under-a-again', expiresAt: 1 }, null);
    const error = await onlyB.read('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFlowError);
    expect((error as AuthFlowError).code).toBe('cacheCorrupt');
    expect((error as AuthFlowError).message).toContain('no longer in `encryptionKeys`');
  });
});

describe('the sealer', () => {
  it('binds a value to its name: moved to another key it does not open', () => {
    const sealer = createSealer({ encryptionKeys: [KEY_A] });
    const sealed = sealer.seal(SECRET, 'a');
    expect(sealed).not.toContain(SECRET);
    expect(sealer.open(sealed, 'a')).toBe(SECRET);
    expect(() => sealer.open(sealed, 'b')).toThrow(/altered, or moved/);
  });

  it('refuses a key that is not 32 bytes, naming how to make one', () => {
    expect(() => createSealer({ encryptionKeys: ['short'] })).toThrow(/openssl rand -base64 32/);
    expect(() => createSealer({ encryptionKeys: [] })).toThrow(/at least one encryption key/);
  });
});

describe('the lock', () => {
  it('lets one holder at a time across instances, the next woken by the release message', async () => {
    const [a, b] = [await connect(), await connect()];
    // No polling within the test's time: only the release messages can wake the waiters.
    const locks = [a, b].map((redis) => createRedisRenewLock({ redis, namespace: 'one', pollMs: 600_000 }));
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        locks[i % 2]?.withLock(
          'k',
          async () => {
            most = Math.max(most, ++inside);
            await new Promise((resolve) => setTimeout(resolve, 10));
            inside--;
          },
          { ttlMs: 5_000, waitMs: 600_000 },
        ),
      ),
    );
    expect(most).toBe(1);
  }, 30_000);

  it('passes a dead holder’s lock on after its lease, with a higher fence', async () => {
    const redis = await connect();
    const lock = createRedisRenewLock({ redis, namespace: 'dead', pollMs: 20 });
    // A holder that "dies": its lock is set, nobody releases it.
    const names = (await import('../../src/stores/redis/keys.js')).redisNames('dead', 'k');
    await raw(redis, 'SET', names.fence, '7');
    await raw(redis, 'SET', names.lock, '7', 'PX', '150');
    const fence = await lock.withLock('k', async (f) => f, { ttlMs: 1_000, waitMs: 5_000 });
    expect(fence).toBe(8);
  });

  it('ends a wait with timeout after waitMs, and with cancelled on the signal', async () => {
    const redis = await connect();
    const lock = createRedisRenewLock({ redis, namespace: 'wait', pollMs: 20 });
    const holding = lock.withLock('k', () => new Promise((resolve) => setTimeout(resolve, 400)), {
      ttlMs: 5_000,
      waitMs: 1_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(lock.withLock('k', async () => 1, { ttlMs: 5_000, waitMs: 60 })).rejects.toMatchObject({
      code: 'timeout',
    });
    const controller = new AbortController();
    const waiting = lock.withLock('k', async () => 1, { ttlMs: 5_000, waitMs: 5_000, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
    await holding;
  });
});

describe('renewOnce on Redis', () => {
  it('renews once for 4 instances × 250 callers, and every caller gets the renewed credential', async () => {
    const instances = await Promise.all([connect(), connect(), connect(), connect()]);
    const shared = instances.map((redis) => ({
      store: createRedisCredentialStore<Cred>({ redis, encryptionKeys: [KEY_A], namespace: 'once' }),
      lock: createRedisRenewLock({ redis, namespace: 'once' }),
    }));
    const stale = { token: 'old', expiresAt: 0 };
    await shared[0]?.store.write('k', stale, null);
    let renewals = 0;
    const results = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => {
        const { store, lock } = shared[i % 4] as (typeof shared)[number];
        return renewOnce<Cred>({
          store,
          lock,
          key: 'k',
          current: stale,
          renew: async () => {
            renewals++;
            await new Promise((resolve) => setTimeout(resolve, 50));
            return { token: 'new', expiresAt: Date.now() + 3_600_000 };
          },
          isUsable: (c) => c.expiresAt > Date.now(),
        });
      }),
    );
    expect(renewals).toBe(1);
    expect(new Set(results.map((r) => r.credential.token))).toEqual(new Set(['new']));
  });
});

describe('the expiring store', () => {
  it('hands an entry to exactly one of many concurrent takes, across instances', async () => {
    const [a, b] = [await connect(), await connect()];
    const stores = [a, b].map((redis) => createRedisExpiringStore({ redis, encryptionKeys: [KEY_A], kind: 'pending' }));
    await stores[0]?.put('state-1', SECRET, 10_000);
    const taken = await Promise.all(Array.from({ length: 50 }, (_, i) => stores[i % 2]?.take('state-1')));
    expect(taken.filter((v) => v === SECRET)).toHaveLength(1);
    expect(taken.filter((v) => v === null)).toHaveLength(49);
  });

  it('forgets an entry after its time to live, and touch says whether it was still there', async () => {
    const redis = await connect();
    const store = createRedisExpiringStore({ redis, encryptionKeys: [KEY_A], kind: 'live' });
    await store.put('s', 'v', 80);
    expect(await store.touch('s', 80)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await store.get('s')).toBeNull();
    expect(await store.touch('s', 80)).toBe(false);
  });
});

describe('Redis away and back', () => {
  it('is one storeUnavailable error naming the URL, never its password, when Redis is unreachable at start', async () => {
    const error = await connectRedis('redis://:hunter2-password@127.0.0.1:1', { connectTimeoutMs: 2_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthFlowError);
    expect((error as AuthFlowError).code).toBe('storeUnavailable');
    expect((error as AuthFlowError).message).toContain('redis://127.0.0.1:1');
    expect((error as AuthFlowError).message).not.toContain('hunter2');
  });

  it('names what to fix for a URL that is not redis://', async () => {
    await expect(connectRedis('http://127.0.0.1:6379')).rejects.toThrow(/must start with redis:\/\//);
  });

  it('fails typed while Redis is away, and works again when it is back', async () => {
    const redis = await connectRedis(server.url, { commandTimeoutMs: 1_000 });
    open.push(redis);
    const store = createRedisCredentialStore<Cred>({ redis, encryptionKeys: [KEY_A], namespace: 'away' });
    await store.write('k', { token: 'before', expiresAt: 1 }, null);
    await server.stop();
    const error = await store.read('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFlowError);
    expect((error as AuthFlowError).code).toBe('storeUnavailable');
    expect((error as AuthFlowError).message).toContain(server.url);
    await server.restart();
    // Redis without persistence comes back empty; the client reconnects on its own.
    await expect.poll(() => store.read('k').catch(() => 'still away'), { timeout: 10_000, interval: 100 }).toBeNull();
    expect((await store.write('k', { token: 'after', expiresAt: 1 }, null)).status).toBe('written');
  });
});
