/** The browser driver's public types, and the {@link FlowAdapter} each flow plugs in with. */
import type { EventObject } from 'xstate';
import type { Failure } from '../../../machines/shared/failure.js';
import type { IdClaims, TokenSet } from '../../../machines/shared/tokens.js';
import type { Flow } from '../../flows/flow.js';
import type { InspectOptions } from '../../protocol/redact-inspection.js';
import type { FlowStorage, PendingFlowName } from '../../stores/pending-flow.js';

export type { FlowStorage };

/** The one small set of states a UI renders from. */
export type UiState = 'anonymous' | 'authenticating' | 'authenticated' | 'refreshing' | 'reauthRequired' | 'failed';

/** The UI state as a snapshot object (stable until the state changes), for actor-like consumers. */
export interface UiSnapshot {
  /** Always `active`, as an XState actor's snapshot reads while it runs. */
  readonly status: 'active';
  /** The UI state. */
  readonly value: UiState;
}

/**
 * Options every browser flow takes; `inspect` (with `unsafeUnredacted`) receives the flow's XState inspection
 * events, redacted, for a live diagram, a log or `@statelyai/inspect`'s browser inspector.
 */
export interface BrowserCommonOptions extends InspectOptions {
  /** The CDF cluster. */
  readonly baseUrl: string;
  /** The project's URL name. */
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
   * `redirect` sends this page to the IdP; `popup` opens a window (inside the click, so that it is not
   * blocked), and the callback page posts the result back to this exact origin. A popup closed by the
   * person ends the flow as cancelled.
   * @default 'redirect'
   */
  readonly mode?: 'redirect' | 'popup';
  /** Refresh when fewer than this many ms remain (flows with refresh tokens). @default 30000 */
  readonly leewayMs?: number;
  /**
   * Where the signed-in session (its tokens) is kept between page loads, for the code flow:
   * - `memory` (the default): nowhere; a reload signs out. A script injected into the page can call the
   *   app's own functions, but finds no tokens in storage.
   * - `session`: `sessionStorage`; survives reloads of this tab, and is gone with it. Any script on the
   *   origin (an XSS) can read the tokens while the tab lives.
   * - `local`: `localStorage`; survives closing the browser, until logout or a refused refresh. Any
   *   script on the origin can read the tokens, also days later.
   * @default 'memory'
   */
  readonly persist?: 'memory' | 'session' | 'local';
}

/** What {@link BrowserLogin.handleRedirect} found on page load. */
export type RedirectOutcome =
  | {
      /**
       * `none`: an ordinary page load. `staleCallback`: callback parameters with no pending flow (a reload,
       * the Back button, a second tab); nothing was sent anywhere. `handedToOpener`: this page is the sign-in
       * popup, the callback went to the opener (same origin only) and the popup closes. `abandoned`: the
       * person came back without signing in (the Back button from the IdP); the pending flow was dropped.
       */
      readonly status: 'none' | 'staleCallback' | 'handedToOpener' | 'abandoned';
    }
  | {
      /** `authenticated`: the callback signed the person in; `restored`: a session kept by `persist` was taken back. */
      readonly status: 'authenticated' | 'restored';
      /** The access token. Secret. */
      readonly accessToken: string;
      /** When it expires (ms since epoch), where known. */
      readonly expiresAt: number | null;
    }
  | {
      /** The callback ended the flow in failure. */
      readonly status: 'failed';
      /** Why. */
      readonly failure: Failure;
    };

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
  /**
   * Forgets the session and any pending flow, in every tab. With `postLogoutRedirectUri` (code flow) the
   * page then goes to the IdP's `end_session_endpoint`, which ends the IdP session and comes back there.
   */
  logout(): void;
}

/** What the tabs' shared session (`tab-sync.ts`) needs from its login. */
export interface TabSyncOptions {
  /** Names the channel and the store's key, so that two flows on one origin do not adopt each other's tokens. */
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
  /** This tab signed in: its tokens become the tabs' session. */
  signedIn(tokens: TokenSet): Promise<void>;
  /** A session kept by `persist`: the tabs' own session if they have one, else the kept one. Answers the tokens taken. */
  restore(tokens: TokenSet): Promise<TokenSet>;
  /** Takes the session the other tabs share, if any (in the background). */
  join(): void;
  /** A valid access token from the session, or `undefined` when this tab holds none. */
  getToken(): Promise<string> | undefined;
  /** Ends the session in every tab. */
  logout(): void;
}

/** What a flow brings to the browser driver. */
export interface FlowAdapter {
  readonly flow: PendingFlowName;
  /** The flow with its browser effects; `navigate` sends the page away; `prompt` goes to the IdP. */
  createFlow(navigate: (url: string) => void, options?: { readonly prompt?: string }): Flow;
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
  /**
   * The tabs' shared session, renewed by this flow's refresh; absent for flows that cannot refresh (so
   * their bundle carries no tab sync).
   */
  tabs?(options: Omit<TabSyncOptions, 'refresh'>): TabSync;
  /** The claims of the sign-in, kept with a persisted session (a refreshed ID token must keep them). */
  claims?(): IdClaims | null;
  /** Takes the claims of a persisted session back. */
  restoreClaims?(claims: IdClaims | null): void;
  /** Try a `prompt=none` sign-in once per tab when a page loads without a session. */
  readonly silent?: boolean;
  /** Where logout sends the page to end the IdP session too (RP-initiated logout), or `null` for nowhere. */
  endSessionUrl?(tokens: TokenSet | null): Promise<string | null>;
}
