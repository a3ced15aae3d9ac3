/**
 * The loopback redirect listener of RFC 8252 section 7.3: 127.0.0.1 on an ephemeral port, opened only
 * for one flow. Any page the person has open can send requests to it, so only a request for the
 * callback path, addressed to this listener's own host and port, reaches the flow; the flow decides
 * whether it is the real callback. Everything else gets a short 400 page and the wait goes on.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type EventFromLogic,
  type InputFrom,
  type SnapshotFrom,
  waitFor,
} from 'xstate';
import { escapeHtml } from '../../protocol/html.js';
import { type Opener, systemBrowserOpener } from './opener.js';
import { type FlowOptions, runFlow } from './run-flow.js';

/** What the flow answers to one request on the callback path. */
interface CallbackAnswer {
  readonly status: number;
  readonly html: string;
  /** True for the real callback: the listener answers it and takes no further request. */
  readonly done: boolean;
}

/** An open loopback listener. */
export interface LoopbackListener {
  /** `http://127.0.0.1:{port}{path}`: the redirect URI to register with the flow. */
  readonly redirectUrl: string;
  readonly port: number;
  /**
   * Hands every request on the callback path (its full URL, a secret: never log it unredacted) to
   * `handler`, one at a time. Requests before this is called are answered 400 and ignored.
   */
  serve(handler: (url: string) => Promise<CallbackAnswer>): void;
  /**
   * Stops accepting, lets an answer being written reach the browser (up to `graceMs`), then closes
   * the port. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
} as const;

/** The page for a request that is not this flow's callback: short, with nothing from the request in it. */
const STRAY_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cdf-auth</title></head><body><p>This is not the sign-in this listener is waiting for.</p></body></html>';

/** The page the person's browser shows after the real callback. */
function callbackPage(outcome: { readonly ok: boolean; readonly message: string }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>cdf-auth</title></head><body><h1>${outcome.ok ? 'Signed in' : 'Sign-in failed'}</h1><p>${escapeHtml(outcome.message)}</p></body></html>`;
}

/**
 * Opens a listener on 127.0.0.1 port 0 (never 0.0.0.0). A request with another method, path or
 * `Host` than `127.0.0.1:{port}` / `[::1]:{port}` (DNS rebinding) is refused and does not end the flow.
 */
export async function openLoopbackListener(path = '/callback'): Promise<LoopbackListener> {
  let handler: ((url: string) => Promise<CallbackAnswer>) | undefined;
  let busy = false;
  let done = false;
  let inFlight: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const refuse = (res: http.ServerResponse, status: number) =>
    res.writeHead(status, { ...HEADERS, connection: 'close' }).end(STRAY_PAGE);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const host = req.headers.host ?? '';
    if (req.method !== 'GET') return refuse(res, 405);
    if (host !== `127.0.0.1:${port}` && host !== `[::1]:${port}`) return refuse(res, 400);
    if (url.pathname !== path) return refuse(res, 404);
    if (!handler || busy || done || closing) return refuse(res, 400);
    busy = true;
    const serve = handler;
    inFlight = (async () => {
      let answer: CallbackAnswer;
      try {
        answer = await serve(`http://${host}${req.url ?? '/'}`);
      } catch {
        answer = { status: 500, html: callbackPage({ ok: false, message: 'Sign-in failed.' }), done: true };
      }
      if (answer.done) done = true;
      await new Promise<void>((resolve) => {
        res.writeHead(answer.status, { ...HEADERS, connection: 'close' });
        res.end(answer.html, () => resolve());
        res.once('close', () => resolve());
      });
      busy = false;
      // The real callback was answered: stop taking requests (the socket of the answer stays until flushed).
      if (answer.done) server.close();
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    redirectUrl: `http://127.0.0.1:${port}${path}`,
    port,
    serve(next) {
      handler = next;
    },
    close(graceMs = 5_000) {
      closing ??= (async () => {
        server.close();
        if (inFlight) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([inFlight, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
          clearTimeout(timer);
        }
        server.closeAllConnections();
        if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}

/**
 * Serves a running flow's callbacks: each request becomes a CALLBACK event; a stray one (the machine
 * counted it in `ignoredCallbacks`) is answered 400 and the wait goes on; the real one is answered
 * once the flow has settled, with a page that says how it ended.
 */
export function serveFlowCallbacks(
  listener: LoopbackListener,
  actor: AnyActorRef,
  toEvent: (url: string) => CallbackEvent,
): void {
  const ignored = () => (actor.getSnapshot().context as { ignoredCallbacks?: number }).ignoredCallbacks ?? 0;
  listener.serve(async (url) => {
    const before = ignored();
    actor.send(toEvent(url));
    if (ignored() > before) return { status: 400, html: STRAY_PAGE, done: false };
    const outcome = await settledOutcome(actor);
    return { status: outcome.ok ? 200 : 400, html: callbackPage(outcome), done: true };
  });
}

/** Resolves when the flow is signed in, failed or stopped, with what to tell the person. */
async function settledOutcome(actor: AnyActorRef): Promise<{ ok: boolean; message: string }> {
  const settled = (snapshot: AnyMachineSnapshot) => snapshot.status !== 'active' || snapshot.matches('failed');
  // waitFor rejects when the actor stops or errors first: the snapshot then says how it ended.
  await waitFor(actor, settled, { timeout: Number.POSITIVE_INFINITY }).catch(() => {});
  const snapshot = actor.getSnapshot() as AnyMachineSnapshot;
  if (snapshot.status === 'done' && (snapshot.output as { status?: string } | undefined)?.status === 'authenticated') {
    return { ok: true, message: 'Signed in. You can close this tab.' };
  }
  if (snapshot.status === 'active' && snapshot.matches('failed')) {
    const failure = (snapshot.context as { failure?: { message: string } | null }).failure;
    return { ok: false, message: failure?.message ?? 'Sign-in failed.' };
  }
  return { ok: false, message: 'Sign-in was cancelled.' };
}

/** The CALLBACK event a driver makes of a callback URL. */
type CallbackEvent = { readonly type: 'CALLBACK' } & Record<string, unknown>;

/** A flow that sends the person's browser away and waits for it: what {@link runOnLoopback} runs. */
export interface LoopbackFlow<TMachine extends AnyStateMachine> {
  /** The flow's machine with its effects provided. */
  readonly machine: TMachine;
  /** Its input (the redirect URL among it). */
  readonly input: InputFrom<TMachine>;
  /** The event that starts it. */
  readonly start: EventFromLogic<TMachine>;
  /** The CALLBACK event of a request to the listener. */
  readonly toEvent: (url: string) => CallbackEvent;
}

/**
 * Runs a flow on a loopback listener at `/callback` (RFC 8252): `prepare` gets the redirect URL and a
 * `navigate` for the flow's actor; the listener's requests become CALLBACK events. Resolves with the
 * snapshot the flow settled in (final, or `failed`). The listener closes and the navigation is aborted
 * however the flow ends; the navigation outlives its actor on purpose, so that a headless browser still
 * receives the callback's answer.
 */
export async function runOnLoopback<TMachine extends AnyStateMachine>(
  options: FlowOptions & { readonly opener?: Opener | undefined },
  prepare: (loopback: {
    readonly redirectUrl: string;
    readonly navigate: (url: string) => Promise<void>;
  }) => LoopbackFlow<TMachine>,
): Promise<SnapshotFrom<TMachine>> {
  const opener = options.opener ?? systemBrowserOpener();
  const listener = await openLoopbackListener('/callback');
  const navigation = new AbortController();
  try {
    const flow = prepare({
      redirectUrl: listener.redirectUrl,
      navigate: (url) => opener(url, { signal: navigation.signal }),
    });
    return await runFlow(flow.machine, flow.input, flow.start, {
      ...options,
      restingFailures: ['failed'],
      onActor: (actor) => serveFlowCallbacks(listener, actor, flow.toEvent),
    });
  } finally {
    navigation.abort();
    await listener.close();
  }
}
