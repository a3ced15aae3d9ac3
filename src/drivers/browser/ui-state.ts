/** The one small UI state a page renders from, as a value, a listener set and an actor-like store. */
import type { AnyMachineSnapshot } from 'xstate';
import type { BrowserLogin, UiSnapshot, UiState } from './types.js';

/** The UI state of a flow's snapshot (`authenticated` is announced separately, once the token is in hand). */
export function uiOf(snapshot: AnyMachineSnapshot): UiState {
  if (snapshot.matches('authenticated')) return 'authenticated';
  if (snapshot.matches('failed')) return 'failed';
  if (snapshot.status !== 'active' || snapshot.matches('idle')) return 'anonymous';
  return 'authenticating';
}

/** The UI state as the login exposes it, and the one way to change it. */
export type UiStateStore = Pick<BrowserLogin, 'state' | 'subscribe' | 'store'> & {
  /** Sets the state; listeners hear only of a change. */
  set(next: UiState): void;
};

/** Holds the UI state; `set` notifies only on a change, so a snapshot object stays stable until then. */
export function createUiState(): UiStateStore {
  const listeners = new Set<(state: UiState) => void>();
  let snapshot: UiSnapshot = { status: 'active', value: 'anonymous' };
  return {
    state: () => snapshot.value,
    set(next) {
      if (next === snapshot.value) return;
      snapshot = { status: 'active', value: next };
      for (const listener of listeners) listener(next);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    store: {
      subscribe(observer) {
        // A function or an observer object, as XState's actors take them.
        const listener = () => (typeof observer === 'function' ? observer(snapshot) : observer.next?.(snapshot));
        listeners.add(listener);
        return { unsubscribe: () => listeners.delete(listener) };
      },
      getSnapshot: () => snapshot,
    },
  };
}
