/**
 * The page load after a full-page redirect: the callback parameters leave the address bar (and the history
 * entry) before anything else happens, and the pending flow, if it is this flow's, is resumed with them.
 */
import type { AnyActorRef, AnyMachineSnapshot } from 'xstate';
import { clearPendingFlow, type FlowStorage, readPendingFlow } from '../../stores/pending-flow.js';
import { handOverToOpener } from './popup.js';
import type { FlowAdapter, RedirectOutcome } from './types.js';

/** What resuming needs from its login. */
export interface RedirectResume {
  readonly adapter: FlowAdapter;
  readonly storage: () => FlowStorage;
  /** Restores the flow's actor from its persisted snapshot. */
  readonly restore: (snapshot: object) => AnyActorRef;
  /** Runs the restored actor until it is done. */
  readonly run: (actor: AnyActorRef) => Promise<AnyMachineSnapshot>;
  readonly finish: (snapshot: AnyMachineSnapshot) => RedirectOutcome;
}

/** Says what this page load is, and finishes the pending flow when the page carries its callback. */
export async function resumeFromRedirect({
  adapter,
  storage,
  restore,
  run,
  finish,
}: RedirectResume): Promise<RedirectOutcome> {
  const href = window.location.href;
  if (handOverToOpener(adapter, href)) return { status: 'handedToOpener' };
  const pending = readPendingFlow(storage());
  if (!adapter.isCallback(new URL(href).searchParams)) {
    // Back from the IdP without signing in (the Back button): the pending flow is dropped, explicitly.
    if (pending?.flow !== adapter.flow) return { status: 'none' };
    clearPendingFlow(storage());
    return { status: 'abandoned' };
  }
  // A pending flow of the other kind (a page that embeds both) is left for its own handler.
  if (pending && pending.flow !== adapter.flow) return { status: 'none' };
  window.history.replaceState(window.history.state, '', adapter.strip(href));
  clearPendingFlow(storage());
  if (!pending?.snapshot) return { status: 'staleCallback' };
  const actor = restore(pending.snapshot);
  const done = run(actor);
  actor.start();
  actor.send({ type: 'RESUME', now: Date.now() });
  actor.send({ type: 'CALLBACK', callback: adapter.callback(href) });
  const snapshot = await done;
  actor.stop();
  return finish(snapshot);
}
