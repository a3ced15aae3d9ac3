/**
 * The browser driver: one flow by full-page redirect (or popup). It composes the UI state
 * (`ui-state.ts`), the pending flow in `sessionStorage` (`stores/pending-flow.ts`, only while the machine
 * is in its `persistable` state), the resume on the callback page (`redirect.ts`), popup mode
 * (`popup.ts`) and the tabs' shared session (`tab-sync.ts`). Nothing touches `window` at import or
 * construction time, so this module is safe to import during server-side rendering. Each flow plugs in
 * through a {@link FlowAdapter}, so that a bundle carries only the flows it uses.
 */
import type { AnyActorRef, AnyMachineSnapshot, InspectionEvent } from 'xstate';
import { isFresh } from '../../../machines/shared/freshness.js';
import type { FlowOutput } from '../../../machines/shared/outcome.js';
import type { TokenSet } from '../../../machines/shared/tokens.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { createFlowActor, type Flow } from '../../flows/flow.js';
import { inspectorFor } from '../../protocol/redact-inspection.js';
import { clearSession, saveSession } from '../../stores/browser-session.js';
import { clearPendingFlow, type FlowStorage, savePendingFlow } from '../../stores/pending-flow.js';
import { pageLoad } from './page-load.js';
import { signInWithPopup } from './popup.js';
import { resumeFromRedirect } from './redirect.js';
import { runUntilRest } from './run-actor.js';
import type { BrowserCommonOptions, BrowserLogin, FlowAdapter, RedirectOutcome } from './types.js';
import { createUiState, type UiStateStore } from './ui-state.js';

const redirectsHandled = new Map<string, Promise<RedirectOutcome>>();

/** The tabs' shared session, for flows that can refresh (the code flow). */
function tabSyncOf(
  options: BrowserCommonOptions,
  adapter: FlowAdapter,
  ui: UiStateStore,
  callbacks: { readonly onTokens: (tokens: TokenSet) => void; readonly onLogout: () => void },
) {
  return adapter.tabs?.({
    flow: adapter.flow,
    ...(options.leewayMs === undefined ? {} : { leewayMs: options.leewayMs }),
    setUi: ui.set,
    ...callbacks,
  });
}

/** The IdP session too, where configured: a top-level navigation, after this origin forgot everything. */
function endIdpSession(adapter: FlowAdapter, tokens: TokenSet | null, navigate: (url: string) => void): void {
  adapter
    .endSessionUrl?.(tokens)
    .then((url) => url && navigate(url))
    .catch(() => {});
}

/** Keeps a session's tokens where `persist` says (nowhere for `memory`). */
function keep(kept: () => FlowStorage | null, adapter: FlowAdapter, tokens: TokenSet): void {
  const store = kept();
  if (store) saveSession(store, adapter.flow, { tokens, claims: adapter.claims?.() ?? null });
}

/** A sign-in's tokens, kept where `persist` says and handed to the other tabs. */
function share(
  tokens: TokenSet,
  kept: () => FlowStorage | null,
  adapter: FlowAdapter,
  tabs: { signedIn(tokens: TokenSet): Promise<unknown> } | null | undefined,
): void {
  // Kept now, not once the tabs' store has taken them: a reload right after sign-in finds them.
  keep(kept, adapter, tokens);
  // In the background: until the tabs' store holds the tokens, getToken() answers from `token`.
  void tabs?.signedIn(tokens).catch(() => {});
}

function forgetKept(kept: () => FlowStorage | null, flow: string): void {
  const store = kept();
  if (store) clearSession(store, flow);
}

/** The storage `persist` names, looked up when first needed (server-side rendering has none). */
function keptStorage(options: BrowserCommonOptions): () => FlowStorage | null {
  return () => {
    if (options.persist === 'session') return window.sessionStorage;
    if (options.persist === 'local') return window.localStorage;
    return null;
  };
}

type Token = { accessToken: string; expiresAt: number | null };

/** One answer per page load and flow, however often it is asked (double mounts, two instances). */
function oncePerPageLoad(flow: string, handle: () => Promise<RedirectOutcome>): [Promise<RedirectOutcome>, boolean] {
  const key = `${flow}:${window.performance.timeOrigin}`;
  const existing = redirectsHandled.get(key);
  if (existing) return [existing, true];
  const outcome = handle();
  redirectsHandled.set(key, outcome);
  return [outcome, false];
}

/** How a flow's actor is run: persisted while it waits for the callback in redirect mode, forgotten after. */
function restOf(options: BrowserCommonOptions, adapter: FlowAdapter, storage: () => FlowStorage, ui: UiStateStore) {
  return (persist: boolean) => (actor: AnyActorRef) =>
    runUntilRest(actor, {
      setUi: ui.set,
      // A popup flow keeps this page: nothing to persist, the callback comes by postMessage.
      persist:
        persist && options.mode !== 'popup'
          ? (waiting) => savePendingFlow(storage(), adapter.flow, waiting.getPersistedSnapshot())
          : null,
      forget: () => clearPendingFlow(storage()),
    });
}

/** The outcome of a flow's resting snapshot. */
function outcomeOf(adapter: FlowAdapter, snapshot: AnyMachineSnapshot): RedirectOutcome {
  const output = snapshot.output as FlowOutput<unknown> | undefined;
  if (output?.status === 'signedIn') return { status: 'authenticated', ...adapter.tokenOf(output) };
  if (output?.status === 'failed') return { status: 'failed', failure: output.failure };
  return { status: 'failed', failure: { code: 'cancelled', message: 'The sign-in was cancelled.' } };
}

/** What starting and resuming a flow needs from its login. */
interface FlowStartContext {
  readonly options: BrowserCommonOptions;
  readonly adapter: FlowAdapter;
  readonly storage: () => FlowStorage;
  readonly navigate: (url: string) => void;
  readonly inspect: { readonly inspect?: (event: InspectionEvent) => void };
  readonly rest: ReturnType<typeof restOf>;
  readonly finish: (snapshot: AnyMachineSnapshot) => RedirectOutcome;
}

/** The three ways a flow's actor comes to life: sign-in by redirect, by popup, and the resume on the callback page. */
function flowStarts({ options, adapter, storage, navigate, inspect, rest, finish }: FlowStartContext) {
  const finishOrThrow = (snapshot: AnyMachineSnapshot) => {
    const outcome = finish(snapshot);
    if (outcome.status === 'failed') throw new AuthFlowError(outcome.failure);
  };
  const actorOf = (flow: Flow): AnyActorRef => createFlowActor(flow, { ...inspect, input: adapter.input() });
  const signInByRedirect = async (prompt?: string) => {
    clearPendingFlow(storage());
    const actor = actorOf(adapter.createFlow(navigate, prompt ? { prompt } : undefined));
    const done = rest(true)(actor);
    actor.start();
    actor.send(adapter.start());
    const snapshot = await done;
    if (snapshot.hasTag('persistable')) return;
    actor.stop();
    finishOrThrow(snapshot);
  };
  return {
    /** The `prompt=none` redirect of a silent sign-in. */
    signInSilently: () => signInByRedirect('none'),
    signIn: (): Promise<void> =>
      options.mode === 'popup'
        ? signInWithPopup({
            adapter,
            createActor: (to) => actorOf(adapter.createFlow(to)),
            run: rest(false),
            finish: finishOrThrow,
          })
        : signInByRedirect(),
    resume: () =>
      resumeFromRedirect({
        adapter,
        storage,
        restore: (snapshot) =>
          createFlowActor(adapter.createFlow(navigate), { ...inspect, snapshot: snapshot as never }),
        run: rest(false),
        finish,
      }),
  };
}

/** Builds a {@link BrowserLogin} from a flow adapter; use `createBrowserLogin` or a flow's own factory. */
export function createBrowserLoginWith(options: BrowserCommonOptions, adapter: FlowAdapter): BrowserLogin {
  const storage = () => options.storage ?? window.sessionStorage;
  const navigate = (url: string) => (options.navigate ?? ((target: string) => window.location.assign(target)))(url);
  const ui = createUiState();
  const observe = inspectorFor(options);
  const inspect = observe ? { inspect: observe } : {};
  const rest = restOf(options, adapter, storage, ui);
  let token: Token | null = null;
  /** The whole token set of the session, for the ID token an RP-initiated logout sends as its hint. */
  let held: TokenSet | null = null;
  const kept = keptStorage(options);
  const forgetLocally = () => {
    token = null;
    clearPendingFlow(storage());
    forgetKept(kept, adapter.flow);
    ui.set('anonymous');
  };
  const tabs = tabSyncOf(options, adapter, ui, {
    onTokens: (tokens) => {
      token = { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt };
      held = tokens;
      keep(kept, adapter, tokens);
    },
    onLogout: forgetLocally,
  });
  const signedIn = (next: Token) => {
    token = next;
    ui.set('authenticated');
  };
  const finish = (snapshot: AnyMachineSnapshot): RedirectOutcome => {
    const outcome = outcomeOf(adapter, snapshot);
    if (outcome.status !== 'authenticated') return outcome;
    if (adapter.tokenSetOf) share(adapter.tokenSetOf(snapshot.output), kept, adapter, tabs);
    signedIn({ accessToken: outcome.accessToken, expiresAt: outcome.expiresAt });
    return outcome;
  };
  const { signIn, resume, signInSilently } = flowStarts({
    options,
    adapter,
    storage,
    navigate,
    inspect,
    rest,
    finish,
  });
  const { arrived, settledSilently } = pageLoad({ adapter, storage, kept, tabs, ui, signInSilently });

  return {
    signIn,
    async handleRedirect() {
      const [outcome, repeated] = oncePerPageLoad(adapter.flow, () =>
        resume().then((result) => (result.status === 'none' ? arrived() : settledSilently(result))),
      );
      const result = await outcome;
      // Another instance on this page resumed the flow: this one holds the same token.
      if (repeated && (result.status === 'authenticated' || result.status === 'restored'))
        signedIn({ accessToken: result.accessToken, expiresAt: result.expiresAt });
      return result;
    },
    state: ui.state,
    subscribe: ui.subscribe,
    store: ui.store,
    accessToken: () => token?.accessToken ?? null,
    async getToken() {
      const fromSession = tabs?.getToken();
      if (fromSession) return fromSession;
      if (token && isFresh(token, Date.now(), 0)) return token.accessToken;
      throw new AuthFlowError({ code: 'notLoggedIn', message: 'Not signed in (or the token expired); call signIn().' });
    },
    logout() {
      const tokens = held;
      held = null;
      tabs?.logout();
      forgetLocally();
      endIdpSession(adapter, tokens, navigate);
    },
  };
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
