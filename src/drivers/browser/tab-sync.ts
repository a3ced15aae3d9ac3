/**
 * One signed-in session across the tabs of an origin (code flow), on the project's one renewal
 * algorithm: each tab runs a session over the tabs' {@link createWebCredentialStore} (IndexedDB holds
 * only a version id; the tokens travel over a BroadcastChannel and stay in the tabs' memory) and
 * {@link createWebRenewLock} (Web Locks), so `renewOnce` renews once for all the tabs. A tab that signs
 * in writes its tokens there, the others take them, and a logout in one tab removes them for all.
 */
import type { TokenSet } from '../../../machines/shared/tokens.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import type { CredentialStore, RenewLock } from '../../session/credential-store.js';
import { createMemoryRenewLock } from '../../session/memory-credential-store.js';
import { createSession, type Session } from '../../session/session.js';
import { createWebCredentialStore, createWebRenewLock, type StorageLike } from '../../stores/web-credential-store.js';
import type { TabSync, TabSyncOptions } from './types.js';

interface Shared {
  readonly store: CredentialStore<TokenSet>;
  readonly lock: RenewLock;
}

/** This tab's memory for the versions, where the browser has no IndexedDB: the session is this tab's alone. */
function tabMemory(): StorageLike {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

/** The tabs' store and lock; opened on first use, never at construction (server-side rendering). */
function openShared(flow: string): Shared {
  const channel = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(`cdf-authflow:${flow}`);
  const store = createWebCredentialStore<TokenSet>({
    ...(typeof indexedDB === 'undefined' ? { storage: tabMemory() } : {}),
    ...(channel ? { channel } : {}),
  });
  // Without Web Locks (an insecure context), a tab still renews once for its own callers.
  const lock = typeof navigator !== 'undefined' && navigator.locks ? createWebRenewLock() : createMemoryRenewLock();
  return { store, lock };
}

/** How many compare-and-set rounds a sign-in or a restore tries against other tabs writing at the same time. */
const ROUNDS = 5;

/**
 * Writes `tokens` into the store: over whatever it holds (`replace`, a sign-in), or only where it holds
 * nothing (a kept session). Answers what the store holds afterwards, the other tabs' session when they
 * have one and `replace` is false.
 */
async function settle(
  store: CredentialStore<TokenSet>,
  key: string,
  tokens: TokenSet,
  replace: boolean,
): Promise<TokenSet> {
  for (let round = 0; round < ROUNDS; round += 1) {
    const current = await store.read(key);
    if (current && !replace) return current.credential;
    if ((await store.write(key, tokens, current?.version ?? null)).status === 'written') return tokens;
  }
  throw new AuthFlowError({
    code: 'internal',
    message: `Other tabs kept writing the session while this tab tried ${ROUNDS} times to keep its own; reload the page.`,
  });
}

/** Creates the tab sync. */
export function createTabSync(options: TabSyncOptions): TabSync {
  const key = options.flow;
  let shared: Shared | undefined;
  let session: Session | undefined;
  const end = () => {
    session?.logout();
    session = undefined;
  };
  const start = (tokens: TokenSet, { store, lock }: Shared) => {
    session = startSession({ ...options, tokens, sharing: { store, lock, key } });
    options.onTokens(tokens);
    options.setUi('authenticated');
  };
  const open = (): Shared => {
    if (shared) return shared;
    const opened = openShared(key);
    shared = opened;
    // A running session takes new tokens itself (it subscribes too); here: a first session (also after one
    // a refused refresh ended), or the end of one.
    opened.store.subscribe?.(key, (update) => {
      if (update && (!session || session.state() === 'reauthRequired')) {
        end();
        start(update.credential, opened);
      } else if (!update && session) {
        end();
        options.onLogout();
      }
    });
    return opened;
  };
  return {
    async signedIn(tokens) {
      end();
      const opened = open();
      await settle(opened.store, key, tokens, true);
      if (!session) start(tokens, opened);
    },
    async restore(tokens) {
      const opened = open();
      const taken = await settle(opened.store, key, tokens, false);
      if (!session) start(taken, opened);
      return taken;
    },
    join() {
      const opened = open();
      void opened.store.read(key).then(
        (theirs) => theirs && !session && start(theirs.credential, opened),
        () => {},
      );
    },
    getToken: () => session?.getToken(),
    logout() {
      end();
      void shared?.store.remove(key);
    },
  };
}

/** This tab's session; its own states reach the UI: refreshing, and reauthRequired when a refresh is refused. */
function startSession(
  options: Omit<TabSyncOptions, 'onLogout' | 'flow'> & {
    readonly tokens: TokenSet;
    readonly sharing: { readonly store: CredentialStore<TokenSet>; readonly lock: RenewLock; readonly key: string };
  },
): Session {
  const session = createSession({
    tokens: options.tokens,
    refresh: options.refresh,
    ...(options.leewayMs === undefined ? {} : { leewayMs: options.leewayMs }),
    onTokens: options.onTokens,
    sharing: options.sharing,
  });
  session.actor.subscribe((snapshot) => {
    if (snapshot.matches('renewing')) options.setUi('refreshing');
    else if (snapshot.matches('reauthRequired')) options.setUi('reauthRequired');
    else if (snapshot.matches('authenticated')) options.setUi('authenticated');
  });
  return session;
}
