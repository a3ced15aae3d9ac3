/**
 * The tabs' credential store, with Node's real BroadcastChannel between "tabs", over the register they
 * share (IndexedDB by default, here fake-indexeddb; or a storage): the register holds a version id and
 * never a token, and a tab reads the credential of the newest version, asked of the other tabs when its
 * own copy is older.
 */
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenSet } from '../../machines/shared/tokens.js';
import type { CredentialStore } from '../../src/session/credential-store.js';
import { createWebCredentialStore, type StorageLike } from '../../src/stores/web-credential-store.js';
import { memoryStorage } from '../helpers/memory-storage.js';

const expiresAt = Date.now() + 3_600_000;
const tokens = (name: string): TokenSet => ({
  accessToken: `at-${name}`,
  refreshToken: `rt-${name}`,
  tokenType: 'Bearer',
  expiresAt,
});

let channels: BroadcastChannel[] = [];
afterEach(() => {
  for (const channel of channels) channel.close();
  channels = [];
});

/** A tab: its own channel object on the shared name, over the shared storage (none: IndexedDB). */
function tab(storage: StorageLike | null, askMs?: number): CredentialStore<TokenSet> {
  const channel = new BroadcastChannel('web-credential-store-test');
  channels.push(channel);
  return createWebCredentialStore<TokenSet>({
    ...(storage ? { storage } : {}),
    channel,
    ...(askMs === undefined ? {} : { askMs }),
  });
}

/** Every version IndexedDB holds, as the store wrote them. */
async function idbContents(): Promise<unknown[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('cdf-authflow', 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const all = await new Promise<unknown[]>((resolve) => {
    const request = db.transaction('versions').objectStore('versions').getAll();
    request.onsuccess = () => resolve(request.result);
  });
  db.close();
  return all;
}

describe('the tabs credential store over IndexedDB (the default)', () => {
  beforeEach(() => {
    globalThis.indexedDB = new IDBFactory();
  });

  it('holds no token: only a 32-hex version per key, and compare-and-set refuses a stale version', async () => {
    const [a, b] = [tab(null), tab(null)];
    if (!a || !b) throw new Error('two tabs');
    const first = await a.write('me', tokens('1'), null);
    if (first.status !== 'written') throw new Error('written');
    expect(await b.write('me', tokens('x'), null)).toEqual({ status: 'conflict' });
    await expect(b.read('me')).resolves.toMatchObject({ credential: tokens('1'), version: first.version });
    const second = await b.write('me', tokens('2'), first.version);
    expect(second.status).toBe('written');
    expect(await a.write('me', tokens('y'), first.version)).toEqual({ status: 'conflict' });
    expect(await idbContents()).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/)]);
    expect(JSON.stringify(await idbContents())).not.toMatch(/at-|rt-/);
  });

  it('a tab reads the renewed credential at once after another tab wrote it, and a removal reaches every tab', async () => {
    const [a, b] = [tab(null), tab(null)];
    if (!a || !b) throw new Error('two tabs');
    const first = await a.write('me', tokens('1'), null);
    if (first.status !== 'written') throw new Error('written');
    await b.read('me');
    await a.write('me', tokens('2'), first.version);
    expect((await b.read('me'))?.credential.refreshToken).toBe('rt-2');
    const heard: Array<string | null> = [];
    b.subscribe?.('me', (update) => heard.push(update?.credential.accessToken ?? null));
    await a.remove('me');
    await expect.poll(() => heard).toEqual([null]);
    await expect(b.read('me')).resolves.toBeNull();
    expect(await idbContents()).toEqual([]);
  });

  it('an IndexedDB that cannot open fails storeUnavailable, naming what to allow', async () => {
    globalThis.indexedDB = {
      open() {
        const request = { error: new DOMException('blocked', 'SecurityError') } as unknown as IDBOpenDBRequest;
        setTimeout(() => request.onerror?.(new Event('error')), 0);
        return request;
      },
    } as unknown as IDBFactory;
    await expect(tab(null).read('me')).rejects.toMatchObject({
      code: 'storeUnavailable',
      message: expect.stringMatching(/IndexedDB.*Allow it/),
    });
  });
});

describe('the tabs credential store over a storage', () => {
  it('keeps no token in web storage: only a 32-hex version per key', async () => {
    const storage = memoryStorage();
    const a = tab(storage);
    await a.write('me', tokens('1'), null);
    const held = await a.read('me');
    if (!held) throw new Error('written');
    await a.write('me', tokens('2'), held.version);
    expect([...storage.items.values()]).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/)]);
    expect(JSON.stringify([...storage.items])).not.toMatch(/at-|rt-/);
  });

  it('a tab whose copy is older reads the newest credential, before the writer announcement reaches it', async () => {
    const storage = memoryStorage();
    const [a, b] = [tab(storage), tab(storage)];
    if (!a || !b) throw new Error('two tabs');
    const first = await a.write('me', tokens('1'), null);
    if (first.status !== 'written') throw new Error('written');
    await expect(b.read('me')).resolves.toMatchObject({ credential: tokens('1') });
    // A renews; B reads in the same turn, while the announcement is still on its way: B gets the renewed one,
    // never the credential whose refresh token A has just spent.
    await a.write('me', { ...tokens('2') }, first.version);
    const read = await b.read('me');
    expect(read?.credential.refreshToken).toBe('rt-2');
  });

  it('a new tab with nothing in memory gets the session from a tab that holds it', async () => {
    const storage = memoryStorage();
    const a = tab(storage);
    await a.write('me', tokens('1'), null);
    const late = tab(storage);
    await expect(late.read('me')).resolves.toMatchObject({ credential: tokens('1') });
  });

  it('a version no open tab holds reads as nothing after askMs, and a sign-in may then write as into an empty store', async () => {
    const storage = memoryStorage();
    const closed = createWebCredentialStore<TokenSet>({ storage });
    await closed.write('me', tokens('1'), null);
    const b = tab(storage, 50);
    await expect(b.read('me')).resolves.toBeNull();
    expect(storage.items.size).toBe(0);
    await expect(b.write('me', tokens('2'), null)).resolves.toMatchObject({ status: 'written' });
  });

  it('a late announcement of an older version changes nothing; a removal reaches the other tabs', async () => {
    const storage = memoryStorage();
    const [a, b] = [tab(storage), tab(storage)];
    if (!a || !b) throw new Error('two tabs');
    const heard: Array<string | null> = [];
    b.subscribe?.('me', (update) => heard.push(update?.credential.accessToken ?? null));
    const first = await a.write('me', tokens('1'), null);
    if (first.status !== 'written') throw new Error('written');
    await a.write('me', tokens('2'), first.version);
    await expect.poll(() => heard).toEqual(['at-2']);
    await a.remove('me');
    await expect.poll(() => heard).toEqual(['at-2', null]);
    await expect(b.read('me')).resolves.toBeNull();
  });

  it('a forged message on the channel (not a version the storage names) is ignored', async () => {
    const storage = memoryStorage();
    const [a, b] = [tab(storage), tab(storage)];
    if (!a || !b) throw new Error('two tabs');
    await a.write('me', tokens('1'), null);
    await expect(b.read('me')).resolves.toMatchObject({ credential: tokens('1') });
    const stranger = new BroadcastChannel('web-credential-store-test');
    channels.push(stranger);
    stranger.postMessage({
      source: 'cdf-authflow',
      key: 'me',
      held: { version: 'f'.repeat(32), credential: tokens('x') },
    });
    stranger.postMessage({ source: 'cdf-authflow', key: 'me', held: null });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(b.read('me')).resolves.toMatchObject({ credential: tokens('1') });
  });
});
