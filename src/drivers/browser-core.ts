/**
 * The browser driver's core: one flow by full-page redirect. The pending flow is persisted in
 * `sessionStorage` as a versioned snapshot while the browser is away (only in the `persistable` state
 * `awaitingCallback`), and resumed when the callback page loads. The address bar is cleaned with
 * `history.replaceState` before any other call. Nothing touches `window` at import or construction
 * time, so this module is safe to import during server-side rendering. Each flow plugs in through a
 * {@link FlowAdapter}, so that a bundle carries only the flows it uses.
 */
import {
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  createActor,
  type EventObject,
  type InspectionEvent,
} from 'xstate';
import type { Failure } from '../../machines/failure.js';
import type { TokenSet } from '../../machines/tokens.js';
import { AuthFlowError } from '../errors/auth-flow-error.js';
import { createSession, type Session } from '../session/session.js';

/** The one small set of states a UI renders from. */
export type UiState = 'anonymous' | 'authenticating' | 'authenticated' | 'refreshing' | 'reauthRequired' | 'failed';

/** The UI state as a snapshot object (stable until the state changes), for actor-like consumers. */
export interface UiSnapshot {
  readonly status: 'active';
  readonly value: UiState;
}

/** The storage the pending flow lives in while the browser is at the IdP. */
export type FlowStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** Options every browser flow takes. */
export interface BrowserCommonOptions {
  /** The CDF cluster. */
  readonly baseUrl: string;
  readonly project: string;
  /** The page that handles the callback (absolute URL, registered with the IdP for the code flow). */
  readonly redirectUri: string;
  /** @default window.sessionStorage (looked up when first needed) */
  readonly storage?: FlowStorage;
  /** How to send the page away. @default (url) => window.location.assign(url) */
  readonly navigate?: (url: string) => void;
  /** Sent as `x-cdp-app`. */
  readonly appId?: string;
  /**
   * Receives XState's inspection events of the flow's actor, for a live diagram or a log. They carry
   * tokens and codes: pass them through `redact()` before showing or storing them.
   */
  readonly inspect?: (event: InspectionEvent) => void;
  /**
   * `redirect` sends this page to the IdP; `popup` opens a window (inside the click, so that it is not
   * blocked), and the callback page posts the result back to this exact origin. A popup closed by the
   * person ends the flow as cancelled.
   * @default 'redirect'
   */
  readonly mode?: 'redirect' | 'popup';
  /** Refresh when fewer than this many ms remain (flows with refresh tokens). @default 30000 */
  readonly leewayMs?: number;
}

/** What {@link BrowserLogin.handleRedirect} found on page load. */
export type RedirectOutcome =
  | { readonly status: 'none' }
  | { readonly status: 'authenticated'; readonly accessToken: string; readonly expiresAt: number | null }
  | { readonly status: 'failed'; readonly failure: Failure }
  /** Callback parameters with no pending flow: a reload, the Back button, a second tab. Nothing was sent anywhere. */
  | { readonly status: 'staleCallback' }
  /** This page is the sign-in popup: the callback went to the opener (same origin only), and the popup closes. */
  | { readonly status: 'handedToOpener' }
  /** The person came back without signing in (the Back button from the IdP): the pending flow was dropped. */
  | { readonly status: 'abandoned' };

/** A browser sign-in. */
export interface BrowserLogin {
  /** Starts the flow and sends the page to the IdP. Call it from a click handler. */
  signIn(): Promise<void>;
  /**
   * Call once on every page load. Cleans the callback parameters from the address bar, resumes the
   * pending flow if there is one, and says what happened. Safe to call twice (React StrictMode).
   */
  handleRedirect(): Promise<RedirectOutcome>;
  /** The UI state now. */
  readonly state: () => UiState;
  /** Calls `listener` with every change of {@link UiState}; returns the unsubscribe function. */
  subscribe(listener: (state: UiState) => void): () => void;
  /**
   * The UI state as an actor-like store (`subscribe` returning `{ unsubscribe }`, `getSnapshot`), so that
   * `useSelector(login.store, (snapshot) => snapshot.value)` from `@xstate/react` works with it.
   */
  readonly store: {
    /** Calls the listener with every new UI snapshot. */
    subscribe(listener: ((snapshot: UiSnapshot) => void) | { next?(snapshot: UiSnapshot): void }): {
      /** Stops the calls. */
      unsubscribe(): void;
    };
    /** The current UI snapshot. */
    getSnapshot(): UiSnapshot;
  };
  /** The access token of the signed-in session (in memory only), or `null`. */
  readonly accessToken: () => string | null;
  /**
   * A valid access token: refreshed first when due (code flow). Tabs of one origin share the session:
   * one tab refreshes under a Web Lock, the others adopt its tokens (BroadcastChannel).
   */
  getToken(): Promise<string>;
  /** Forgets the session and any pending flow. */
  logout(): void;
}

/** The sessionStorage key of the pending flow. */
const PENDING_FLOW_KEY = 'cdf-authflow:pending';
const VERSION = 1;
const CHANNEL = 'cdf-authflow';
const REFRESH_LOCK = 'cdf-authflow:refresh';

type ChannelMessage = { type: 'tokens'; tokens: TokenSet } | { type: 'logout' } | { type: 'hello' };

const REFRESHED_FROM_KEY = 'cdf-authflow:refreshed-from';

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
const POPUP_NAME = 'cdf-authflow-popup';
const POPUP_MESSAGE = 'cdf-authflow:callback';
const POPUP_CLOSE_GRACE_MS = 1_000;
const redirectsHandled = new Map<string, Promise<RedirectOutcome>>();

/** What a flow brings to the browser driver. */
export interface FlowAdapter {
  readonly flow: 'login-url' | 'code';
  /** The machine with its browser effects; `navigate` sends the page away. */
  machine(navigate: (url: string) => void): AnyStateMachine;
  input(): unknown;
  /** The START event, with fresh random values. */
  start(): EventObject;
  /** Whether the page's query carries this flow's callback parameters. */
  isCallback(params: URLSearchParams): boolean;
  /** The URL without the callback parameters. */
  strip(href: string): string;
  /** The CALLBACK payload for the machine. */
  callback(href: string): unknown;
  /** The access token of the machine's output. */
  tokenOf(output: unknown): { accessToken: string; expiresAt: number | null };
  /** The full token set of the machine's output, for flows that can refresh. */
  tokenSetOf?(output: unknown): TokenSet;
  /** Gets new tokens with the refresh token; absent for flows that cannot refresh. */
  refresh?(tokens: TokenSet, signal: AbortSignal): Promise<TokenSet>;
}

/** Builds a {@link BrowserLogin} from a flow adapter; use `createBrowserLogin` or a flow's own factory. */
export function createBrowserLoginWith(options: BrowserCommonOptions, adapter: FlowAdapter): BrowserLogin {
  const storage = () => options.storage ?? window.sessionStorage;
  const navigate = (url: string) => (options.navigate ?? ((target: string) => window.location.assign(target)))(url);
  const machine = () => adapter.machine(navigate);
  let session: Session | undefined;
  let channel: BroadcastChannel | undefined;
  let latest: TokenSet | null = null;
  const listeners = new Set<(state: UiState) => void>();
  let ui: UiState = 'anonymous';
  let uiSnapshot: UiSnapshot = { status: 'active', value: ui };
  let token: { accessToken: string; expiresAt: number | null } | null = null;
  const setUi = (next: UiState) => {
    if (next === ui) return;
    ui = next;
    uiSnapshot = { status: 'active', value: next };
    for (const listener of listeners) listener(next);
  };

  const uiOf = (snapshot: AnyMachineSnapshot): UiState => {
    if (snapshot.matches('authenticated')) return 'authenticated';
    if (snapshot.matches('failed')) return 'failed';
    if (snapshot.status !== 'active' || snapshot.matches('idle')) return 'anonymous';
    return 'authenticating';
  };

  /**
   * Runs an actor until it rests; persists it while it waits for the callback (unless it is the resumed
   * one, which is about to receive the callback); forgets it after.
   */
  const drive = (actor: AnyActorRef, resuming = false) =>
    new Promise<AnyMachineSnapshot>((resolve) => {
      const subscription = actor.subscribe((snapshot: AnyMachineSnapshot) => {
        // `authenticated` is announced by finish(), once the token is in hand: a UI that reacts to it
        // can call getToken() at once.
        const next = uiOf(snapshot);
        if (next !== 'authenticated') setUi(next);
        if (snapshot.hasTag('persistable')) {
          // A popup flow keeps this page: nothing to persist, the callback comes by postMessage.
          if (resuming || options.mode === 'popup') return;
          storage().setItem(
            PENDING_FLOW_KEY,
            JSON.stringify({ v: VERSION, machine: adapter.flow, snapshot: actor.getPersistedSnapshot() }),
          );
          resolve(snapshot);
        } else if (snapshot.status !== 'active' || snapshot.matches('failed')) {
          storage().removeItem(PENDING_FLOW_KEY);
          subscription.unsubscribe();
          resolve(snapshot);
        }
      });
    });

  const finish = (snapshot: AnyMachineSnapshot): RedirectOutcome => {
    if (snapshot.matches('authenticated')) {
      token = adapter.tokenOf(snapshot.output);
      if (adapter.tokenSetOf) adoptTokens(adapter.tokenSetOf(snapshot.output), true);
      setUi('authenticated');
      return { status: 'authenticated', ...token };
    }
    const failure = (snapshot.context as { failure?: Failure | null }).failure;
    return { status: 'failed', failure: failure ?? { code: 'cancelled', message: 'The sign-in was cancelled.' } };
  };

  const handle = async (): Promise<RedirectOutcome> => {
    const href = window.location.href;
    const params = new URL(href).searchParams;
    if (window.name === POPUP_NAME && window.opener && adapter.isCallback(params)) {
      window.history.replaceState(window.history.state, '', adapter.strip(href));
      // Never to "*": the opener must be this very origin.
      (window.opener as Window).postMessage({ type: POPUP_MESSAGE, url: href }, window.location.origin);
      window.close();
      return { status: 'handedToOpener' };
    }
    const hasCallback = adapter.isCallback(params);
    if (!hasCallback) {
      // Back from the IdP without signing in (the Back button): the pending flow is dropped, explicitly.
      const left = storage().getItem(PENDING_FLOW_KEY);
      if (left?.includes(`"machine":"${adapter.flow}"`)) {
        storage().removeItem(PENDING_FLOW_KEY);
        return { status: 'abandoned' };
      }
      return { status: 'none' };
    }
    const raw = storage().getItem(PENDING_FLOW_KEY);
    let pending: { v?: unknown; machine?: unknown; snapshot?: unknown } | undefined;
    try {
      pending = raw ? JSON.parse(raw) : undefined;
    } catch {
      pending = undefined;
    }
    // A pending flow of the other kind (a page that embeds both) is left for its own handler.
    if (
      pending &&
      pending.machine !== adapter.flow &&
      (pending.machine === 'login-url' || pending.machine === 'code')
    ) {
      return { status: 'none' };
    }
    // Tokens and codes leave the address bar (and the history entry) before anything else happens.
    window.history.replaceState(window.history.state, '', adapter.strip(href));
    storage().removeItem(PENDING_FLOW_KEY);
    if (!pending || pending.v !== VERSION || typeof pending.snapshot !== 'object' || pending.snapshot === null) {
      return { status: 'staleCallback' };
    }
    const actor: AnyActorRef = createActor(machine() as AnyStateMachine, {
      snapshot: pending.snapshot as never,
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    const done = drive(actor, true);
    actor.start();
    actor.send({ type: 'RESUME', now: Date.now() });
    actor.send({
      type: 'CALLBACK',
      callback: adapter.callback(href),
    });
    const snapshot = await done;
    actor.stop();
    return finish(snapshot);
  };

  return {
    async signIn() {
      if (options.mode === 'popup') return signInWithPopup();
      storage().removeItem(PENDING_FLOW_KEY);
      const actor: AnyActorRef = createActor(machine() as AnyStateMachine, {
        ...(options.inspect ? { inspect: options.inspect } : {}),
        input: adapter.input(),
      });
      const done = drive(actor);
      actor.start();
      actor.send(adapter.start());
      const snapshot = await done;
      if (!snapshot.hasTag('persistable')) {
        actor.stop();
        const outcome = finish(snapshot);
        if (outcome.status === 'failed') throw new AuthFlowError(outcome.failure);
      }
    },
    handleRedirect() {
      // One answer per page load and flow, however often it is asked (double mounts, two instances).
      const key = `${adapter.flow}:${window.performance.timeOrigin}`;
      const existing = redirectsHandled.get(key);
      if (existing) {
        return existing.then((outcome) => {
          if (outcome.status === 'authenticated') adopt(outcome);
          return outcome;
        });
      }
      const outcome = handle().then((result) => {
        // A tab that did not just sign in asks the others for the session they share.
        if (result.status === 'none' && adapter.refresh) {
          openChannel();
          post({ type: 'hello' });
        }
        return result;
      });
      redirectsHandled.set(key, outcome);
      return outcome;
    },
    state: () => ui,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    store: {
      subscribe(observer) {
        // A function or an observer object, as XState's actors take them.
        const listener = () => (typeof observer === 'function' ? observer(uiSnapshot) : observer.next?.(uiSnapshot));
        listeners.add(listener);
        return { unsubscribe: () => listeners.delete(listener) };
      },
      getSnapshot: () => uiSnapshot,
    },
    accessToken: () => token?.accessToken ?? null,
    async getToken() {
      if (session) return session.getToken();
      if (token && (token.expiresAt === null || token.expiresAt > Date.now())) return token.accessToken;
      throw new AuthFlowError({ code: 'notLoggedIn', message: 'Not signed in (or the token expired); call signIn().' });
    },
    logout() {
      localLogout();
      post({ type: 'logout' });
    },
  };

  /** Tokens this tab obtained, or another tab announced: adopted into the (one) session of this tab. */
  function adoptTokens(tokens: TokenSet, announce: boolean): void {
    openChannel();
    latest = tokens;
    token = { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt };
    if (adapter.refresh && !session) {
      session = createSession({
        tokens,
        refresh: lockedRefresh,
        ...(options.leewayMs === undefined ? {} : { leewayMs: options.leewayMs }),
        onTokens: (next) => {
          latest = next;
          token = { accessToken: next.accessToken, expiresAt: next.expiresAt };
        },
      });
      // The session's own states reach the UI: refreshing, and reauthRequired when a refresh is refused.
      session.actor.subscribe((snapshot) => {
        if (snapshot.matches('refreshing')) setUi('refreshing');
        else if (snapshot.matches('reauthRequired')) setUi('reauthRequired');
        else if (snapshot.matches('authenticated')) setUi('authenticated');
      });
    } else session?.actor.send({ type: 'TOKENS', tokens });
    setUi('authenticated');
    if (announce) post({ type: 'tokens', tokens });
  }

  /** One refresh across tabs: under a Web Lock, and not at all when another tab already did it. */
  function lockedRefresh(current: TokenSet, signal: AbortSignal): Promise<TokenSet> {
    const run = async () => {
      if (latest && latest.accessToken !== current.accessToken) return latest;
      // Another tab may have refreshed from this very token and released the lock before its
      // BroadcastChannel message arrived here: it left the token's fingerprint (not the token).
      const mine = await fingerprint(current.accessToken);
      if (sharedStorage()?.getItem(REFRESHED_FROM_KEY) === mine) {
        const adopted = await nextTokens(current, 5_000);
        if (adopted) return adopted;
      }
      const next = await (adapter.refresh as NonNullable<FlowAdapter['refresh']>)(current, signal);
      sharedStorage()?.setItem(REFRESHED_FROM_KEY, mine);
      latest = next;
      post({ type: 'tokens', tokens: next });
      return next;
    };
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    return locks ? locks.request(REFRESH_LOCK, { signal }, run) : run();
  }

  /** Resolves with the tokens another tab announces next (or null after `ms`). */
  function nextTokens(current: TokenSet, ms: number): Promise<TokenSet | null> {
    return new Promise((resolve) => {
      const started = Date.now();
      const check = window.setInterval(() => {
        if (latest && latest.accessToken !== current.accessToken) {
          window.clearInterval(check);
          resolve(latest);
        } else if (Date.now() - started >= ms) {
          window.clearInterval(check);
          resolve(null);
        }
      }, 20);
    });
  }

  function localLogout(): void {
    sharedStorage()?.removeItem(REFRESHED_FROM_KEY);
    session?.logout();
    session = undefined;
    latest = null;
    token = null;
    storage().removeItem(PENDING_FLOW_KEY);
    setUi('anonymous');
  }

  function post(message: ChannelMessage): void {
    channel?.postMessage(message);
  }

  /** Opened on first use, never at construction (server-side rendering). */
  function openChannel(): void {
    if (channel || typeof BroadcastChannel === 'undefined') return;
    channel = new BroadcastChannel(`${CHANNEL}:${adapter.flow}`);
    channel.onmessage = (event: MessageEvent) => {
      const message = event.data as ChannelMessage | null;
      if (message?.type === 'tokens' && isTokenSet(message.tokens)) adoptTokens(message.tokens, false);
      else if (message?.type === 'logout') localLogout();
      else if (message?.type === 'hello' && latest) post({ type: 'tokens', tokens: latest });
    };
  }

  /** The popup variant of signIn: no persistence, the callback arrives by postMessage from the popup. */
  async function signInWithPopup(): Promise<void> {
    // Opened synchronously, inside the user's click; the IdP URL follows once it is known.
    const popup = window.open('about:blank', POPUP_NAME, 'popup,width=520,height=680');
    if (!popup) {
      throw new AuthFlowError({
        code: 'navigationFailed',
        message: 'The sign-in popup was blocked; allow popups or use redirect mode.',
      });
    }
    const actor: AnyActorRef = createActor(adapter.machine((url) => popup.location.assign(url)) as AnyStateMachine, {
      ...(options.inspect ? { inspect: options.inspect } : {}),
      input: adapter.input(),
    });
    const onMessage = (event: MessageEvent) => {
      // Only our own popup, from our own origin (RFC 9700 4.18); anything else is ignored.
      if (event.source !== popup || event.origin !== window.location.origin) return;
      const data = event.data as { type?: unknown; url?: unknown } | null;
      if (data?.type !== POPUP_MESSAGE || typeof data.url !== 'string') return;
      actor.send({ type: 'CALLBACK', callback: adapter.callback(data.url) });
    };
    window.addEventListener('message', onMessage);
    // The popup closes itself right after posting the callback, and the message may be delivered after
    // the close is seen: give it a moment, and cancel only a flow that is still waiting for the person.
    let closedSince: number | null = null;
    const watch = window.setInterval(() => {
      if (!popup.closed) return;
      closedSince ??= Date.now();
      const waiting = actor.getSnapshot().hasTag('waitingForUser') || actor.getSnapshot().matches('redirectingToIdp');
      if (waiting && Date.now() - closedSince >= POPUP_CLOSE_GRACE_MS) actor.send({ type: 'CANCEL' });
    }, 250);
    const done = drive(actor);
    actor.start();
    actor.send(adapter.start());
    try {
      const snapshot = await done;
      const outcome = finish(snapshot);
      if (outcome.status === 'failed') throw new AuthFlowError(outcome.failure);
    } finally {
      window.clearInterval(watch);
      window.removeEventListener('message', onMessage);
      actor.stop();
      if (!popup.closed) popup.close();
    }
  }

  function adopt(outcome: Extract<RedirectOutcome, { status: 'authenticated' }>) {
    token = { accessToken: outcome.accessToken, expiresAt: outcome.expiresAt };
    setUi('authenticated');
  }
}

/**
 * API keys do not belong in a browser: any script on the page can read them, and they cannot be
 * scoped to a person. This throws unless the caller passes the loudly named opt-in.
 */
export function assertApiKeyAllowedInBrowser(options: { readonly dangerouslyAllowApiKeyInBrowser?: boolean }): void {
  if (options.dangerouslyAllowApiKeyInBrowser !== true) {
    throw new AuthFlowError({
      code: 'insecureEndpoint',
      message:
        'API keys are refused in the browser: use code + PKCE. If you must (a single-user kiosk), pass dangerouslyAllowApiKeyInBrowser: true.',
    });
  }
}
