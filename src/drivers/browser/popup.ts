/**
 * Popup mode: the sign-in runs in a window opened inside the person's click, and the callback page posts
 * the callback URL back to this exact origin. Nothing is persisted; a popup the person closes cancels.
 */
import type { AnyActorRef, AnyMachineSnapshot } from 'xstate';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import type { FlowAdapter } from './types.js';

const POPUP_NAME = 'cdf-authflow-popup';
const POPUP_MESSAGE = 'cdf-authflow:callback';
/** The popup closes itself right after posting, and the message may arrive after the close is seen. */
const POPUP_CLOSE_GRACE_MS = 1_000;
const POPUP_WATCH_MS = 250;

/**
 * On the callback page inside our popup: hands the callback URL to the opener (never to "*") and closes
 * the popup. Returns whether it did.
 */
export function handOverToOpener(adapter: FlowAdapter, href: string): boolean {
  if (window.name !== POPUP_NAME || !window.opener || !adapter.isCallback(new URL(href).searchParams)) return false;
  window.history.replaceState(window.history.state, '', adapter.strip(href));
  (window.opener as Window).postMessage({ type: POPUP_MESSAGE, url: href }, window.location.origin);
  window.close();
  return true;
}

/** What a popup sign-in needs from its login. */
export interface PopupSignIn {
  readonly adapter: FlowAdapter;
  /** Creates the flow's actor, sending the IdP URL to `navigate`. */
  readonly createActor: (navigate: (url: string) => void) => AnyActorRef;
  /** Runs the actor until it is done. */
  readonly run: (actor: AnyActorRef) => Promise<AnyMachineSnapshot>;
  /** Throws the typed failure when the snapshot is not signed in. */
  readonly finish: (snapshot: AnyMachineSnapshot) => void;
}

/** Signs in through a popup; call it synchronously inside the click, or the browser blocks the window. */
export async function signInWithPopup({ adapter, createActor, run, finish }: PopupSignIn): Promise<void> {
  const popup = window.open('about:blank', POPUP_NAME, 'popup,width=520,height=680');
  if (!popup) {
    throw new AuthFlowError({
      code: 'navigationFailed',
      message: 'The sign-in popup was blocked; allow popups or use redirect mode.',
    });
  }
  const actor = createActor((url) => popup.location.assign(url));
  const onMessage = (event: MessageEvent) => {
    // Only our own popup, from our own origin (RFC 9700 4.18); anything else is ignored.
    if (event.source !== popup || event.origin !== window.location.origin) return;
    const data = event.data as { type?: unknown; url?: unknown } | null;
    if (data?.type !== POPUP_MESSAGE || typeof data.url !== 'string') return;
    actor.send({ type: 'CALLBACK', callback: adapter.callback(data.url) });
  };
  window.addEventListener('message', onMessage);
  // Cancel only a flow that still waits for the person, and only after the grace period.
  let closedSince: number | null = null;
  const watch = window.setInterval(() => {
    if (!popup.closed) return;
    closedSince ??= Date.now();
    const waiting = actor.getSnapshot().hasTag('waitingForUser') || actor.getSnapshot().matches('redirectingToIdp');
    if (waiting && Date.now() - closedSince >= POPUP_CLOSE_GRACE_MS) actor.send({ type: 'CANCEL' });
  }, POPUP_WATCH_MS);
  const done = run(actor);
  actor.start();
  actor.send(adapter.start());
  try {
    finish(await done);
  } finally {
    window.clearInterval(watch);
    window.removeEventListener('message', onMessage);
    actor.stop();
    if (!popup.closed) popup.close();
  }
}
