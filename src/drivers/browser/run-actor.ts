/** Runs a browser flow's actor until it rests, keeping the UI state and the pending flow in step. */
import type { AnyActorRef, AnyMachineSnapshot } from 'xstate';
import type { UiState } from './types.js';
import { uiOf } from './ui-state.js';

/** How {@link runUntilRest} treats the actor's moments. */
export interface RestOptions {
  readonly setUi: (state: UiState) => void;
  /**
   * Persists the actor when it waits for the callback, which then counts as rest (the page is about to
   * leave). `null` when the callback arrives in this page (a resumed flow, a popup): then the actor runs on.
   */
  readonly persist: ((actor: AnyActorRef) => void) | null;
  /** Forgets the pending flow once the actor is done. */
  readonly forget: () => void;
}

/**
 * Resolves with the snapshot at which the actor rests: persisted while it waits for the callback, or
 * done (signed in, failed or cancelled: every flow ends in a final state).
 */
export function runUntilRest(actor: AnyActorRef, options: RestOptions): Promise<AnyMachineSnapshot> {
  return new Promise((resolve) => {
    const subscription = actor.subscribe((snapshot: AnyMachineSnapshot) => {
      // `authenticated` is announced by the login once the token is in hand: a UI that reacts to it can
      // call getToken() at once.
      const next = uiOf(snapshot);
      if (next !== 'authenticated') options.setUi(next);
      if (snapshot.hasTag('persistable')) {
        if (!options.persist) return;
        options.persist(actor);
        resolve(snapshot);
      } else if (snapshot.status !== 'active') {
        options.forget();
        subscription.unsubscribe();
        resolve(snapshot);
      }
    });
  });
}
