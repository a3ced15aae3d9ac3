import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenSet } from '../../machines/shared/tokens.js';
import { AuthFlowError } from '../../src/errors/auth-flow-error.js';
import type { CredentialStore } from '../../src/session/credential-store.js';
import { createMemoryCredentialStore, createMemoryRenewLock } from '../../src/session/memory-credential-store.js';
import { type RenewOnceOptions, renewOnce, usableWhenFresh } from '../../src/session/renew-once.js';
import { createFileCredentials, fileCredentialKey } from '../../src/stores/file-credential-store.js';
import { type CachedOidcLogin, createFileTokenStore } from '../../src/stores/file-token-store.js';
import {
  createWebCredentialStore,
  createWebRenewLock,
  type LockManagerLike,
} from '../../src/stores/web-credential-store.js';
import { createRemote, sleep } from '../helpers/remote-store.js';

const KEY = 'me@demo';
const token = (name: string, expiresInMs = 3_600_000): TokenSet => ({
  accessToken: `at-${name}`,
  refreshToken: `rt-${name}`,
  tokenType: 'Bearer',
  expiresAt: Date.now() + expiresInMs,
});
/** Due: 5 s left, inside the 30 s leeway. */
const stale = token('0', 5_000);

/** An IdP that rotates refresh tokens: a spent one is refused (`invalidGrant`), as a second renewal would be. */
function createIdp(delayMs = 0) {
  let generation = 0;
  const idp = {
    renews: 0,
    async renew(stored: TokenSet): Promise<TokenSet> {
      idp.renews++;
      if (stored.refreshToken !== `rt-${generation}`) {
        throw new AuthFlowError({ code: 'invalidGrant', message: 'The refresh token was already used.' });
      }
      generation++;
      const next = token(String(generation));
      if (delayMs) await sleep(delayMs);
      return next;
    },
  };
  return idp;
}

const seeded = async <S extends CredentialStore<TokenSet>>(store: S): Promise<S> => {
  await store.write(KEY, stale, null);
  return store;
};

/**
 * renewOnce of the `stale` credential under KEY in `store`, renewing at `idp`, with a memory lock of its own and
 * the freshness rule; `more` adds to or replaces these options.
 */
const renewStale = (
  store: CredentialStore<TokenSet>,
  idp: { renew(stored: TokenSet): Promise<TokenSet> },
  more: Partial<RenewOnceOptions<TokenSet>> = {},
) =>
  renewOnce({
    store,
    lock: createMemoryRenewLock(),
    key: KEY,
    current: stale,
    renew: idp.renew,
    isUsable: usableWhenFresh(),
    ...more,
  });

const tokensOf = (outcomes: readonly { credential: TokenSet }[]) =>
  new Set(outcomes.map((o) => o.credential.accessToken));

describe('renewOnce in one process (memory store and lock)', () => {
  it('10,000 concurrent callers on one expiring credential: exactly one renewal, and all get the same new credential', async () => {
    const store = await seeded(createMemoryCredentialStore<TokenSet>());
    const lock = createMemoryRenewLock();
    const idp = createIdp(5);
    const outcomes = await Promise.all(
      Array.from({ length: 10_000 }, () =>
        renewOnce({ store, lock, key: KEY, current: stale, renew: idp.renew, isUsable: usableWhenFresh() }),
      ),
    );
    expect(idp.renews).toBe(1);
    expect(tokensOf(outcomes)).toEqual(new Set(['at-1']));
    expect(outcomes.filter((o) => o.outcome === 'renewed')).toHaveLength(1);
    expect((await store.read(KEY))?.credential.accessToken).toBe('at-1');
  });

  it('a credential that is usable and not the caller’s is adopted without taking the lock or renewing', async () => {
    const store = await seeded(createMemoryCredentialStore<TokenSet>());
    const written = await store.write(KEY, token('other'), (await store.read(KEY))?.version ?? null);
    const idp = createIdp();
    const never = { withLock: () => Promise.reject(new Error('the lock was taken')) };
    const outcome = await renewStale(store, idp, { lock: never });
    expect(outcome).toMatchObject({ outcome: 'adopted', credential: { accessToken: 'at-other' } });
    expect(written.status === 'written' && outcome.version).toBe(written.status === 'written' && written.version);
    expect(idp.renews).toBe(0);
  });

  it('a fresh credential that CDF refused (the caller’s own) is renewed, not adopted back', async () => {
    const refused = token('0');
    const store = createMemoryCredentialStore<TokenSet>();
    await store.write(KEY, refused, null);
    const idp = createIdp();
    const outcome = await renewStale(store, idp, { current: refused });
    expect(outcome).toMatchObject({ outcome: 'renewed', credential: { accessToken: 'at-1' } });
  });

  it('a compare-and-set conflict adopts the other writer’s credential and renews no second time', async () => {
    const store = await seeded(createMemoryCredentialStore<TokenSet>());
    let renews = 0;
    const outcome = await renewOnce({
      store,
      lock: createMemoryRenewLock(),
      key: KEY,
      current: stale,
      isUsable: usableWhenFresh(),
      async renew() {
        renews++;
        // Meanwhile a writer that holds no lock (a new sign-in in another process) replaces the credential.
        await store.write(KEY, token('sign-in'), (await store.read(KEY))?.version ?? null);
        return token('renewed');
      },
    });
    expect(renews).toBe(1);
    expect(outcome).toMatchObject({ outcome: 'adopted', credential: { accessToken: 'at-sign-in' } });
    expect((await store.read(KEY))?.credential.accessToken).toBe('at-sign-in');
  });

  it('a renewal that fails writes nothing, releases the lock, fails typed, and the next caller renews', async () => {
    const store = await seeded(createMemoryCredentialStore<TokenSet>());
    const lock = createMemoryRenewLock();
    const before = await store.read(KEY);
    const refused = new AuthFlowError({ code: 'invalidGrant', message: 'The grant is gone.' });
    const options = { store, lock, key: KEY, current: stale, isUsable: usableWhenFresh(), waitMs: 1_000 };
    await expect(renewOnce({ ...options, renew: () => Promise.reject(refused) })).rejects.toBe(refused);
    const bug = new Error('driver bug');
    await expect(renewOnce({ ...options, renew: () => Promise.reject(bug) })).rejects.toMatchObject({
      name: 'AuthFlowError',
      code: 'internal',
      cause: bug,
    });
    expect(await store.read(KEY)).toEqual(before);
    const idp = createIdp();
    await expect(renewOnce({ ...options, renew: idp.renew })).resolves.toMatchObject({ outcome: 'renewed' });
    expect(idp.renews).toBe(1);
  });

  it('a caller whose signal aborts while it waits for the lock fails cancelled; one that waits past waitMs fails timeout', async () => {
    const store = await seeded(createMemoryCredentialStore<TokenSet>());
    const lock = createMemoryRenewLock();
    let release = () => {};
    const held = lock.withLock(KEY, () => new Promise<void>((resolve) => (release = resolve)), {
      ttlMs: 60_000,
      waitMs: 1_000,
    });
    const idp = createIdp();
    const options = { store, lock, key: KEY, current: stale, renew: idp.renew, isUsable: usableWhenFresh() };
    const abort = new AbortController();
    const cancelled = renewOnce({ ...options, signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    await expect(cancelled).rejects.toMatchObject({ name: 'AuthFlowError', code: 'cancelled' });
    await expect(renewOnce({ ...options, waitMs: 50 })).rejects.toMatchObject({ code: 'timeout' });
    expect(idp.renews).toBe(0);
    release();
    await held;
    await expect(renewOnce({ ...options, waitMs: 50 })).resolves.toMatchObject({ outcome: 'renewed' });
  });

  it('a caller whose signal is already aborted fails cancelled before reading anything', async () => {
    const store = await seeded(createMemoryCredentialStore<TokenSet>());
    const idp = createIdp();
    await expect(renewStale(store, idp, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'cancelled' });
    expect(idp.renews).toBe(0);
  });

  it('a login removed meanwhile (signed out elsewhere) fails notLoggedIn and is not written back', async () => {
    const store = createMemoryCredentialStore<TokenSet>();
    const idp = createIdp();
    await expect(renewStale(store, idp)).rejects.toMatchObject({ code: 'notLoggedIn' });
    expect(await store.read(KEY)).toBeNull();
    expect(idp.renews).toBe(0);
  });

  test.prop([fc.scheduler(), fc.integer({ min: 2, max: 8 })])(
    'for any interleaving of K callers (store answers, publications, renewal and arrivals in any order), the credential is renewed exactly once and every caller ends with the same credential',
    async (s, k) => {
      const memory = await seeded(createMemoryCredentialStore<TokenSet>());
      const later = <T>(label: string, value: T) => s.schedule(Promise.resolve(value), label);
      const store: CredentialStore<TokenSet> = {
        read: async (key) => later('read answered', await memory.read(key)),
        write: async (key, c, expected) => later('write answered', await memory.write(key, c, expected)),
        remove: (key) => memory.remove(key),
        subscribe: (key, listener) =>
          memory.subscribe?.(key, (update) => void later('publication delivered', update).then(listener)) ?? (() => {}),
      };
      const idp = createIdp();
      const lock = createMemoryRenewLock();
      const renew = async (stored: TokenSet) => later('renewal answered', await idp.renew(stored));
      const callers = Promise.all(
        Array.from({ length: k }, (_, i) =>
          later(`caller ${i} arrives`, i).then(() =>
            renewOnce({ store, lock, key: KEY, current: stale, renew, isUsable: usableWhenFresh() }),
          ),
        ),
      );
      await s.waitFor(callers);
      const outcomes = await callers;
      expect(idp.renews).toBe(1);
      expect(tokensOf(outcomes).size).toBe(1);
    },
  );
});

describe('renewOnce across instances (a remote store and a leased, fenced lock, with latency)', () => {
  it('12 instances renewing one credential at once: exactly one renewal, one accepted write, the same credential for all', async () => {
    const remote = createRemote<TokenSet>();
    const first = remote.connect();
    await first.store.write(KEY, stale, null);
    const idp = createIdp(3);
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () =>
        renewOnce({ ...remote.connect(), key: KEY, current: stale, renew: idp.renew, isUsable: usableWhenFresh() }),
      ),
    );
    expect(idp.renews).toBe(1);
    expect(tokensOf(outcomes)).toEqual(new Set(['at-1']));
    expect(remote.writes.filter((w) => w.result === 'written')).toHaveLength(2); // the seed, and the renewal
  });

  /** The stalled holder A (its renewal outlasts the lease) and B, who arrives during it. */
  async function stalledHolder(bRenewMs: number) {
    const remote = createRemote<TokenSet>(() => 1);
    await remote.connect().store.write(KEY, stale, null);
    let renews = 0;
    const renewAfter = (ms: number, name: string) => async () => {
      renews++;
      await sleep(ms);
      return token(name);
    };
    const common = { key: KEY, current: stale, isUsable: usableWhenFresh(), lockTtlMs: 40, waitMs: 2_000 };
    const a = renewOnce({ ...remote.connect(), ...common, renew: renewAfter(150, 'a') });
    await sleep(10);
    const b = renewOnce({ ...remote.connect(), ...common, renew: renewAfter(bRenewMs, 'b') });
    const [outcomeA, outcomeB] = await Promise.all([a, b]);
    const renewalWrites = remote.writes.slice(1);
    return { outcomeA, outcomeB, renews, renewalWrites };
  }

  const neverTwoWritesForOneVersion = (writes: readonly { expectedVersion: string | null; result: string }[]) => {
    const accepted = writes.filter((w) => w.result === 'written').map((w) => w.expectedVersion);
    expect(new Set(accepted).size).toBe(accepted.length);
  };

  it('a holder that stalls past the lease: the next holder renews and writes, the stalled one’s later write loses by the version, and it adopts', async () => {
    const { outcomeA, outcomeB, renews, renewalWrites } = await stalledHolder(0);
    expect(renews).toBe(2); // A's renewal was under way when its lease ran out
    expect(outcomeB).toMatchObject({ outcome: 'renewed', credential: { accessToken: 'at-b' } });
    expect(outcomeA).toMatchObject({ outcome: 'adopted', credential: { accessToken: 'at-b' } });
    expect(renewalWrites.map((w) => w.result)).toEqual(['written', 'refused: version']);
    neverTwoWritesForOneVersion(renewalWrites);
  });

  it('a stalled holder whose write comes first keeps its result (the only current token); the next holder adopts it', async () => {
    const { outcomeA, outcomeB, renewalWrites } = await stalledHolder(300);
    expect(renewalWrites.map((w) => w.result)).toEqual(['written', 'refused: version']);
    expect(renewalWrites[0]?.expectedVersion).toBe(renewalWrites[1]?.expectedVersion);
    expect(outcomeA).toMatchObject({ outcome: 'renewed', credential: { accessToken: 'at-a' } });
    expect(outcomeB).toMatchObject({ outcome: 'adopted', credential: { accessToken: 'at-a' } });
    neverTwoWritesForOneVersion(renewalWrites);
  });

  it('a stalled holder whose successor fails at the IdP still stores what it renewed: the store never keeps a spent refresh token (found by the model check)', async () => {
    const remote = createRemote<TokenSet>(() => 1);
    await remote.connect().store.write(KEY, stale, null);
    const common = { key: KEY, current: stale, isUsable: usableWhenFresh(), lockTtlMs: 40, waitMs: 1_000 };
    // A stalls before its grant until its lease has passed to B; B's grant fails; then A's grant succeeds.
    const a = renewOnce({
      ...remote.connect(),
      ...common,
      renew: async () => {
        await sleep(150);
        return token('a');
      },
    });
    await sleep(10);
    const b = renewOnce({
      ...remote.connect(),
      ...common,
      renew: async () => {
        throw new AuthFlowError({ code: 'http', message: 'The IdP answered 503.' });
      },
    });
    await expect(b).rejects.toMatchObject({ code: 'http' });
    expect(await a).toMatchObject({ outcome: 'renewed', credential: { accessToken: 'at-a' } });
    expect((await remote.connect().store.read(KEY))?.credential.accessToken).toBe('at-a');
  });

  it('abort while waiting for a remote lock fails cancelled; a wait past waitMs fails timeout', async () => {
    const remote = createRemote<TokenSet>(() => 1);
    const holder = remote.connect();
    await holder.store.write(KEY, stale, null);
    let release = () => {};
    const held = holder.lock.withLock(KEY, () => new Promise<void>((resolve) => (release = resolve)), {
      ttlMs: 60_000,
      waitMs: 1_000,
    });
    await sleep(10);
    const idp = createIdp();
    const options = { ...remote.connect(), key: KEY, current: stale, renew: idp.renew, isUsable: usableWhenFresh() };
    await expect(renewOnce({ ...options, signal: AbortSignal.timeout(30) })).rejects.toMatchObject({
      code: 'cancelled',
    });
    await expect(renewOnce({ ...options, waitMs: 30 })).rejects.toMatchObject({ code: 'timeout' });
    release();
    await held;
    expect(idp.renews).toBe(0);
  });
});

/** A LockManager of one origin, as the browser keeps it for all its tabs: a queue per name, `signal` honoured. */
function createLockManager(): LockManagerLike {
  const tails = new Map<string, Promise<unknown>>();
  return {
    request(name, options, callback) {
      const before = tails.get(name) ?? Promise.resolve();
      const granted = new Promise<void>((resolve, reject) => {
        options.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        void before.then(() => resolve());
      });
      const run = granted.then(() => callback({}));
      // The next request waits for this one's grant and run, and for the holders before it even when this one gave up.
      tails.set(name, Promise.all([before, run.catch(() => {})]));
      return run;
    },
  };
}

describe('renewOnce across tabs (web storage, BroadcastChannel, Web Locks)', () => {
  it('6 tabs renewing at once over one localStorage: exactly one renewal, and every tab gets the same credential', async () => {
    const items = new Map<string, string>();
    const storage = {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
      removeItem: (k: string) => void items.delete(k),
    };
    const locks = createLockManager();
    const channels: BroadcastChannel[] = [];
    const tab = () => {
      const channel = new BroadcastChannel('cdf-authflow-test');
      channels.push(channel);
      return { store: createWebCredentialStore<TokenSet>({ storage, channel }), lock: createWebRenewLock(locks) };
    };
    await tab().store.write(KEY, stale, null);
    const idp = createIdp(5);
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, () =>
          renewOnce({ ...tab(), key: KEY, current: stale, renew: idp.renew, isUsable: usableWhenFresh() }),
        ),
      );
      expect(idp.renews).toBe(1);
      expect(tokensOf(outcomes)).toEqual(new Set(['at-1']));
    } finally {
      for (const channel of channels) channel.close();
    }
  });

  it('a tab waiting for the Web Lock past waitMs fails timeout, and one whose signal aborts fails cancelled', async () => {
    const locks = createLockManager();
    const lock = createWebRenewLock(locks);
    let release = () => {};
    const held = lock.withLock(KEY, () => new Promise<void>((resolve) => (release = resolve)), {
      ttlMs: 1,
      waitMs: 1_000,
    });
    await expect(lock.withLock(KEY, async () => 1, { ttlMs: 1, waitMs: 30 })).rejects.toMatchObject({
      code: 'timeout',
    });
    await expect(
      lock.withLock(KEY, async () => 1, { ttlMs: 1, waitMs: 1_000, signal: AbortSignal.timeout(20) }),
    ).rejects.toMatchObject({ code: 'cancelled' });
    release();
    await held;
    await expect(lock.withLock(KEY, async (fence) => fence, { ttlMs: 1, waitMs: 1_000 })).resolves.toBeTypeOf('number');
  });
});

describe('renewOnce across processes (the CLI cache files and their lock)', () => {
  let dir: string;
  let child: string;
  const baseUrl = 'https://cdf.example.com';
  const entry = (tokens: TokenSet): CachedOidcLogin => ({
    v: 1,
    kind: 'oidc',
    flow: 'authorization-code',
    baseUrl,
    project: 'demo',
    user: 'someone',
    issuer: 'https://idp.example.com',
    clientId: 'cli',
    scope: 'openid',
    tokens,
    claims: null,
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'renew-once-'));
    child = path.join(dir, 'renew-child.mjs');
    // One self-contained file: the test's TypeScript, and its CommonJS dependencies through a real `require`.
    await build({
      entryPoints: [path.resolve(import.meta.dirname, '../helpers/renew-child.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: child,
      banner: {
        js: [
          "import { createRequire } from 'node:module';",
          "import { fileURLToPath } from 'node:url';",
          'const require = createRequire(import.meta.url);',
          'const __filename = fileURLToPath(import.meta.url);',
        ].join(' '),
      },
      logLevel: 'silent',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a compare-and-set against a version the file no longer has writes nothing', async () => {
    const cache = path.join(dir, 'cas');
    const { store } = createFileCredentials(createFileTokenStore(cache));
    const key = fileCredentialKey({ baseUrl, project: 'demo' });
    const first = await store.write(key, entry(stale), null);
    expect(first.status).toBe('written');
    expect(await store.write(key, entry(token('x')), null)).toEqual({ status: 'conflict' });
    expect(await store.write(key, entry(token('x')), 'not-the-version')).toEqual({ status: 'conflict' });
    const read = await store.read(key);
    expect(read?.version).toBe(first.status === 'written' ? first.version : '');
    await expect(store.write(key, { ...entry(token('y')), project: 'other' }, read?.version ?? null)).rejects.toThrow(
      TypeError,
    );
  });

  it('three processes renewing one cached login at once: exactly one renewal, the same tokens for all, the file stays 0600', async () => {
    const cache = path.join(dir, 'processes');
    const log = path.join(dir, 'renewals.log');
    writeFileSync(log, '');
    await createFileTokenStore(cache).write(entry(stale));
    const runs = Array.from({ length: 3 }, () => {
      const proc = spawn(process.execPath, [child, cache, baseUrl, 'demo', log], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      const ready = new Promise<void>((resolve) => {
        proc.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('ready\n')) resolve();
        });
      });
      proc.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      const exit = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
        proc.on('close', (code) => resolve({ code, out, err })),
      );
      return { proc, ready, exit };
    });
    await Promise.all(runs.map((run) => run.ready));
    for (const run of runs) run.proc.stdin.end('go\n');
    const ends = await Promise.all(runs.map((run) => run.exit));
    for (const end of ends) expect(end, end.err).toMatchObject({ code: 0 });
    const results = ends.map(
      (end) => JSON.parse(end.out.split('\n')[1] ?? '') as { outcome: string; accessToken: string },
    );
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(results.filter((r) => r.outcome === 'renewed')).toHaveLength(1);
    const [file] = readdirSync(cache).filter((name) => /^tokens-.*\.json$/.test(name));
    expect(statSync(path.join(cache, file ?? '')).mode & 0o777).toBe(0o600);
  });
});
