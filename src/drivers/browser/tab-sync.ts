/**
 * One signed-in session across the tabs of an origin (code flow): tokens a tab obtains are announced on a
 * BroadcastChannel and adopted by the others, a refresh runs in one tab at a time under a Web Lock, and a
 * logout in one tab ends the session in all of them.
 */
import type { TokenSet } from '../../../machines/shared/tokens.js';
import { createSession, type Session } from '../../session/session.js';
import type { UiState } from './types.js';

const CHANNEL = 'cdf-authflow';
const REFRESH_LOCK = 'cdf-authflow:refresh';
const REFRESHED_FROM_KEY = 'cdf-authflow:refreshed-from';
/** How long a tab waits for the tokens of a refresh another tab already made from the same token. */
const ADOPT_WAIT_MS = 5_000;

type ChannelMessage = { type: 'tokens'; tokens: TokenSet } | { type: 'logout' } | { type: 'hello' };

/** What the tab sync needs from its login. */
export interface TabSyncOptions {
  /** Names the channel, so that two flows on one origin do not adopt each other's tokens. */
  readonly flow: string;
  readonly refresh: (tokens: TokenSet, signal: AbortSignal) => Promise<TokenSet>;
  readonly leewayMs?: number;
  /** Called with the session's UI states (refreshing, reauthRequired, authenticated). */
  readonly setUi: (state: UiState) => void;
  /** Called with every token set this tab now holds. */
  readonly onTokens: (tokens: TokenSet) => void;
  /** Called when another tab logged out. */
  readonly onLogout: () => void;
}

/** The tabs' shared session, as one tab sees it. */
export interface TabSync {
  /** Tokens this tab obtained (`announce`) or another tab announced: adopted into this tab's one session. */
  adopt(tokens: TokenSet, announce: boolean): void;
  /** A valid access token from the session, or `undefined` when this tab holds none. */
  getToken(): Promise<string> | undefined;
  /** Asks the other tabs for the session they share. */
  hello(): void;
  /** Ends the session in this tab (and, with `broadcast`, in the others). */
  logout(broadcast: boolean): void;
}

/** localStorage, for the refresh fingerprint only; absent where storage is not allowed. */
function sharedStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/** A short, one-way fingerprint of a token: shows which token was refreshed without revealing it. */
async function fingerprint(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  return Array.from(digest.slice(0, 12), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function isTokenSet(value: unknown): value is TokenSet {
  const v = value as Partial<TokenSet> | null;
  return typeof v?.accessToken === 'string' && typeof v.tokenType === 'string' && typeof v.expiresAt === 'number';
}

/** The newest tokens this tab knows, and callers waiting for tokens newer than theirs (woken, not polled). */
function createLatest() {
  let latest: TokenSet | null = null;
  const waiters = new Set<() => void>();
  return {
    get: () => latest,
    set(tokens: TokenSet | null) {
      latest = tokens;
      for (const wake of waiters) wake();
    },
    /** The tokens another tab announces next, or `null` after `ms`. */
    newerThan: (current: TokenSet, ms: number) =>
      new Promise<TokenSet | null>((resolve) => {
        const settle = (value: TokenSet | null) => {
          waiters.delete(wake);
          window.clearTimeout(timer);
          resolve(value);
        };
        const wake = () => {
          if (latest && latest.accessToken !== current.accessToken) settle(latest);
        };
        const timer = window.setTimeout(() => settle(null), ms);
        waiters.add(wake);
        wake();
      }),
  };
}

/** One refresh across tabs: under a Web Lock, and not at all when another tab already did it. */
function lockedRefresh(
  latest: ReturnType<typeof createLatest>,
  refresh: TabSyncOptions['refresh'],
  announce: (tokens: TokenSet) => void,
) {
  return (current: TokenSet, signal: AbortSignal): Promise<TokenSet> => {
    const run = async () => {
      const known = latest.get();
      if (known && known.accessToken !== current.accessToken) return known;
      // Another tab may have refreshed from this very token and released the lock before its
      // BroadcastChannel message arrived here: it left the token's fingerprint (not the token).
      const mine = await fingerprint(current.accessToken);
      if (sharedStorage()?.getItem(REFRESHED_FROM_KEY) === mine) {
        const adopted = await latest.newerThan(current, ADOPT_WAIT_MS);
        if (adopted) return adopted;
      }
      const next = await refresh(current, signal);
      sharedStorage()?.setItem(REFRESHED_FROM_KEY, mine);
      latest.set(next);
      announce(next);
      return next;
    };
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    return locks ? locks.request(REFRESH_LOCK, { signal }, run) : run();
  };
}

/** Creates the tab sync; the channel opens on first use, never at construction (server-side rendering). */
export function createTabSync(options: TabSyncOptions): TabSync {
  let session: Session | undefined;
  let channel: BroadcastChannel | undefined;
  const latest = createLatest();
  const hold = (tokens: TokenSet) => {
    latest.set(tokens);
    options.onTokens(tokens);
  };
  const post = (message: ChannelMessage) => channel?.postMessage(message);
  const refresh = lockedRefresh(latest, options.refresh, (tokens) => post({ type: 'tokens', tokens }));
  const openChannel = () => {
    if (channel || typeof BroadcastChannel === 'undefined') return;
    channel = new BroadcastChannel(`${CHANNEL}:${options.flow}`);
    channel.onmessage = (event: MessageEvent) => {
      const message = event.data as ChannelMessage | null;
      const known = latest.get();
      if (message?.type === 'tokens' && isTokenSet(message.tokens)) sync.adopt(message.tokens, false);
      else if (message?.type === 'logout') {
        sync.logout(false);
        options.onLogout();
      } else if (message?.type === 'hello' && known) post({ type: 'tokens', tokens: known });
    };
  };
  const sync: TabSync = {
    adopt(tokens, announce) {
      openChannel();
      if (session) session.actor.send({ type: 'TOKENS', tokens });
      else session = startSession({ ...options, tokens, refresh, onTokens: hold });
      hold(tokens);
      options.setUi('authenticated');
      if (announce) post({ type: 'tokens', tokens });
    },
    getToken: () => session?.getToken(),
    hello() {
      openChannel();
      post({ type: 'hello' });
    },
    logout(broadcast) {
      sharedStorage()?.removeItem(REFRESHED_FROM_KEY);
      session?.logout();
      session = undefined;
      latest.set(null);
      if (broadcast) post({ type: 'logout' });
    },
  };
  return sync;
}

/** This tab's session; its own states reach the UI: refreshing, and reauthRequired when a refresh is refused. */
function startSession(options: Omit<TabSyncOptions, 'onLogout' | 'flow'> & { readonly tokens: TokenSet }): Session {
  const session = createSession({
    tokens: options.tokens,
    refresh: options.refresh,
    ...(options.leewayMs === undefined ? {} : { leewayMs: options.leewayMs }),
    onTokens: options.onTokens,
  });
  session.actor.subscribe((snapshot) => {
    if (snapshot.matches('renewing')) options.setUi('refreshing');
    else if (snapshot.matches('reauthRequired')) options.setUi('reauthRequired');
    else if (snapshot.matches('authenticated')) options.setUi('authenticated');
  });
  return session;
}
