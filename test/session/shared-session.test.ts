/**
 * Sessions that share a store and a lock (tabs, processes, server instances) renew once between them:
 * `createSession({ sharing })` runs every renewal through `renewOnce`, and takes the tokens another
 * session wrote. The remote store is a test double with latency and expiring, fenced locks, as Redis
 * would hold them: the session needs no change to run on it.
 */
import { describe, expect, it } from 'vitest';
import type { TokenSet } from '../../machines/shared/tokens.js';
import type { CredentialStore, RenewLock } from '../../src/session/credential-store.js';
import { createMemoryCredentialStore, createMemoryRenewLock } from '../../src/session/memory-credential-store.js';
import { createSession } from '../../src/session/session.js';
import { createRemote, sleep } from '../helpers/remote-store.js';

const expiring: TokenSet = {
  accessToken: 'at-0',
  tokenType: 'Bearer',
  expiresAt: Date.now() + 5_000,
  refreshToken: 'rt-0',
};

/** An IdP that rotates refresh tokens and refuses one spent twice (as Auth0 and Okta do). */
function rotatingIdp() {
  const spent = new Set<string>();
  let count = 0;
  const refresh = async (current: TokenSet): Promise<TokenSet> => {
    await sleep(20);
    if (!current.refreshToken || spent.has(current.refreshToken)) throw { code: 'invalidGrant', message: 'reused' };
    spent.add(current.refreshToken);
    count += 1;
    return {
      accessToken: `at-${count}`,
      tokenType: 'Bearer',
      expiresAt: Date.now() + 3_600_000,
      refreshToken: `rt-${count}`,
    };
  };
  return { refresh, count: () => count };
}

async function sessionsOver(connect: () => { store: CredentialStore<TokenSet>; lock: RenewLock }, instances: number) {
  const idp = rotatingIdp();
  const first = connect();
  await first.store.write('login', expiring, null);
  const sessions = Array.from({ length: instances }, () =>
    createSession({ tokens: expiring, refresh: idp.refresh, sharing: { ...connect(), key: 'login' } }),
  );
  return { idp, sessions };
}

describe('sessions sharing a store and a lock', () => {
  it('two sessions in one process, 5,000 callers each on an expiring token: one refresh, one token for all', async () => {
    const store = createMemoryCredentialStore<TokenSet>();
    const lock = createMemoryRenewLock();
    const { idp, sessions } = await sessionsOver(() => ({ store, lock }), 2);
    const tokens = await Promise.all(sessions.flatMap((s) => Array.from({ length: 5_000 }, () => s.getToken())));
    expect(idp.count()).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['at-1']));
    expect((await store.read('login'))?.credential.refreshToken).toBe('rt-1');
  });

  it('eight instances over a remote store with latency: one refresh, and the rotated refresh token still works', async () => {
    const remote = createRemote<TokenSet>();
    const { idp, sessions } = await sessionsOver(remote.connect, 8);
    const tokens = await Promise.all(sessions.flatMap((s) => Array.from({ length: 250 }, () => s.getToken())));
    expect(idp.count()).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['at-1']));
    // The rotated refresh token is the one in the store, unspent: the next renewal succeeds.
    const stored = (await remote.connect().store.read('login'))?.credential;
    expect(stored?.refreshToken).toBe('rt-1');
    await expect(idp.refresh(stored as TokenSet)).resolves.toMatchObject({ accessToken: 'at-2' });
  });

  it('a session takes the tokens another one wrote, without asking for them', async () => {
    const store = createMemoryCredentialStore<TokenSet>();
    const lock = createMemoryRenewLock();
    const { sessions } = await sessionsOver(() => ({ store, lock }), 2);
    const [a, b] = sessions as [ReturnType<typeof createSession>, ReturnType<typeof createSession>];
    await a.getToken();
    expect(b.actor.getSnapshot().context.tokens?.accessToken).toBe('at-1');
    expect(b.state()).toBe('authenticated');
  });
});
