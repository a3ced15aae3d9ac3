/**
 * What a page load without a callback means, and how a silent sign-in's answer reads: a session kept by
 * `persist` is taken back; otherwise one `prompt=none` redirect per tab (`silent`); otherwise the other
 * tabs are asked for the session they share. A silent attempt that comes back with `login_required` (or
 * another interaction error) is "not signed in", never a failure and never a loop.
 */
import { readSession } from '../../stores/browser-session.js';
import type { FlowStorage } from '../../stores/pending-flow.js';
import type { FlowAdapter, RedirectOutcome, TabSync } from './types.js';
import type { UiStateStore } from './ui-state.js';

/** The callback errors of a `prompt=none` request that mean "the person must interact" (OIDC Core §3.1.2.6). */
const SILENT_ERRORS = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
]);

/** Marks that this tab tried its one silent sign-in (`pending` while at the IdP, then `done`). */
const silentKey = (flow: string) => `cdf-authflow:silent:${flow}`;

/** What the page-load rules need from their login. */
export interface PageLoadParts {
  readonly adapter: FlowAdapter;
  readonly storage: () => FlowStorage;
  readonly kept: () => FlowStorage | null;
  readonly tabs: TabSync | undefined;
  readonly ui: UiStateStore;
  readonly signInSilently: () => Promise<void>;
}

/** The rules of a page load, for one login. */
export function pageLoad({ adapter, storage, kept, tabs, ui, signInSilently }: PageLoadParts) {
  /** A page load without a callback: a kept session, a silent sign-in once per tab, or the other tabs' session. */
  const arrived = async (): Promise<RedirectOutcome> => {
    const store = kept();
    const saved = store ? readSession(store, adapter.flow, Date.now()) : null;
    if (saved && tabs) {
      adapter.restoreClaims?.(saved.claims);
      // The other tabs' session wins over the kept one: its refresh token is the one not yet spent.
      const tokens = await tabs.restore(saved.tokens);
      return { status: 'restored', accessToken: tokens.accessToken, expiresAt: tokens.expiresAt };
    }
    if (adapter.silent && storage().getItem(silentKey(adapter.flow)) === null) {
      storage().setItem(silentKey(adapter.flow), 'pending');
      await signInSilently();
      return { status: 'none' };
    }
    tabs?.join();
    return { status: 'none' };
  };
  /** A silent attempt that came back with login_required (or another interaction error) is just "not signed in". */
  const settledSilently = (result: RedirectOutcome): RedirectOutcome => {
    const wasSilent = storage().getItem(silentKey(adapter.flow)) === 'pending';
    if (wasSilent) storage().setItem(silentKey(adapter.flow), 'done');
    if (wasSilent && result.status === 'failed' && SILENT_ERRORS.has(result.failure.oauthError ?? '')) {
      ui.set('anonymous');
      return { status: 'none' };
    }
    return result;
  };
  return { arrived, settledSilently };
}
