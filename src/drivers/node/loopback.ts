/**
 * The loopback redirect listener of RFC 8252 section 7.3: 127.0.0.1 on an ephemeral port, or the exact
 * redirect URI an IdP has registered (`http://localhost:53000`, Cognite IdP's `http://localhost:3000/`
 * then 3100–3110), opened only for one flow. Any page the person has open can send requests to it, so only
 * a request for the callback path, addressed to this listener's own loopback host and port, reaches the
 * flow; the flow decides whether it is the real callback. Everything else gets a short 400 page and the
 * wait goes on.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyActorRef, AnyMachineSnapshot, AnyStateMachine, EventFromLogic, InputFrom, OutputFrom } from 'xstate';
import { type Failure, toFailure } from '../../../machines/shared/failure.js';
import type { FlowOutput } from '../../../machines/shared/outcome.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import type { Flow } from '../../flows/flow.js';
import { escapeHtml } from '../../protocol/html.js';
import { redactText } from '../../protocol/redact.js';
import { type Opener, systemBrowserOpener } from './opener.js';
import { type FlowOptions, runFlow, signedIn } from './run-flow.js';

/** What the flow answers to one request on the callback path. */
interface CallbackAnswer {
  readonly status: number;
  readonly html: string;
  /** True for the real callback: the listener answers it and takes no further request. */
  readonly done: boolean;
}

/** An open loopback listener. */
export interface LoopbackListener {
  /** The redirect URI to send: `http://127.0.0.1:{port}/callback`, or the registered one that was free. */
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

/** A row of the page: a label and its value (text, escaped when the page is made). */
type Row = readonly [label: string, value: string];

/**
 * What the person's browser is told after the real callback: signed in (who, which project, which IdP:
 * never a token or a code), or failed (the failure as the driver reports it to its caller).
 */
type PageOutcome =
  | { readonly ok: true; readonly rows: readonly Row[] }
  | { readonly ok: false; readonly failure: Failure };

const PAGE_STYLE = [
  'body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1c1e21}',
  'main{max-width:36rem;margin:10vh auto;padding:1.5rem 2rem;background:#fff;border-radius:10px;box-shadow:0 1px 4px #0002}',
  'h1{font-size:1.4rem;margin:0 0 .75rem}h1.ok{color:#106b2c}h1.failed{color:#b00020}',
  'dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:1rem 0}',
  'dt{color:#5f6368}dd{margin:0;overflow-wrap:anywhere}code{font:.9em ui-monospace,monospace}',
  '.next{color:#3c4043}',
].join('');

/** Rows as a definition list; every value is escaped. */
const rowsHtml = (rows: readonly Row[]) =>
  rows.length === 0
    ? ''
    : `<dl>${rows.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd><code>${escapeHtml(value)}</code></dd>`).join('')}</dl>`;

/** The rows of a failure: its code, and where it happened as far as the failure says. */
function failureRows(failure: Failure): Row[] {
  const rows: Array<Row | null> = [
    ['Code', failure.code],
    failure.status === undefined ? null : ['HTTP status', String(failure.status)],
    failure.requestId === undefined ? null : ['Request id', failure.requestId],
    failure.state === undefined ? null : ['State', failure.state],
    failure.event === undefined ? null : ['Event', failure.event],
    failure.guard === undefined ? null : ['Guard', failure.guard],
    failure.actor === undefined ? null : ['Actor', failure.actor],
  ];
  return rows.filter((row): row is Row => row !== null);
}

/**
 * The page the person's browser shows after the real callback: one small, whole HTML page with inline
 * CSS only, nothing loaded from elsewhere, every value escaped. Signed in: who, which project, which IdP.
 * Failed: the failure's message (the words the driver's caller, e.g. the CLI, reports), its code, where
 * it happened, and what to do; a cancelled flow says so.
 */
function callbackPage(outcome: PageOutcome): string {
  const cancelled = !outcome.ok && outcome.failure.code === 'cancelled';
  const heading = outcome.ok ? 'Signed in' : cancelled ? 'Sign-in cancelled' : 'Sign-in failed';
  const body = outcome.ok
    ? `<p>You are signed in.</p>${rowsHtml(outcome.rows)}<p class="next">You can close this tab and go back to the terminal or app that asked you to sign in.</p>`
    : `<p>${escapeHtml(redactText(outcome.failure.message))}</p>${rowsHtml(failureRows(outcome.failure))}<p class="next">${
        cancelled
          ? 'Nothing was signed in. Close this tab; start the sign-in again if you still want to.'
          : 'Close this tab and go back to the terminal or app that asked you to sign in: it reports the same. Do what the message says, then sign in again.'
      }</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><title>${heading} – cdf-auth</title><style>${PAGE_STYLE}</style></head><body><main><h1 class="${outcome.ok ? 'ok' : 'failed'}">${heading}</h1>${body}</main></body></html>`;
}

/** A loopback redirect URI as the listener reads it. */
interface LoopbackTarget {
  /** The URI as registered, with `{port}` where it names none. */
  readonly uri: string;
  /** `localhost`, `127.0.0.1` or `[::1]`. */
  readonly host: string;
  /** The registered port, or 0 for any. */
  readonly port: number;
  readonly path: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Reads a redirect URI the listener can serve: `http`, host `localhost`, `127.0.0.1` or `[::1]`, an exact
 * port or none (any port, as Entra ID and RFC 8252 §7.3 allow), any path, no query or fragment. Throws a
 * TypeError that names what to fix. `loopbackTarget('http://localhost:53000')` is host `localhost`, port
 * 53000, path `/`, sent as written.
 */
export function loopbackTarget(uri: string): LoopbackTarget {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new TypeError(`The redirect URI "${uri.slice(0, 100)}" is not a URL; e.g. http://localhost:53000/callback.`);
  }
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new TypeError(
      `The redirect URI ${url.origin} is not a loopback one: use http:// with localhost, 127.0.0.1 or [::1] (RFC 8252 §7.3).`,
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new TypeError(`The redirect URI ${url.origin}${url.pathname} must have no query, fragment or user.`);
  }
  return { uri, host: url.hostname, port: url.port ? Number(url.port) : 0, path: url.pathname };
}

/** The addresses a host name binds: `localhost` is both loopback addresses, as browsers may try either. */
const addressesOf = (host: string) => (host === 'localhost' ? ['127.0.0.1', '::1'] : [host.replace(/^\[|\]$/g, '')]);

/**
 * The URI to send for a target bound to `port`: the registered string exactly as written (an IdP compares
 * it character by character), or with the port put in where it named none.
 */
function uriOf(target: LoopbackTarget, port: number): string {
  if (target.port !== 0) return target.uri;
  const url = new URL(target.uri);
  const rest = target.uri.slice(url.origin.length);
  return `http://${url.host}:${port}${rest}`;
}

/** Listens on every address of the target's host at one port; rejects with the first bind error. */
async function bindAll(server: http.Server[], target: LoopbackTarget, handle: http.RequestListener): Promise<number> {
  let port = target.port;
  for (const address of addressesOf(target.host)) {
    const one = http.createServer(handle);
    try {
      await new Promise<void>((resolve, reject) => {
        one.once('error', reject);
        one.listen(port, address, () => resolve());
      });
    } catch (error) {
      // A machine without IPv6 has no ::1: localhost is then 127.0.0.1 alone.
      if (address === '::1' && (error as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') continue;
      await Promise.all(server.map((s) => new Promise((resolve) => s.close(resolve))));
      server.length = 0;
      throw error;
    }
    server.push(one);
    port = (one.address() as AddressInfo).port;
  }
  return port;
}

/** The error for registered redirect URIs whose ports are all taken: which, and what to do. */
function portsBusy(targets: readonly LoopbackTarget[]): AuthFlowError {
  const ports = targets.map((target) => target.port).join(', ');
  return new AuthFlowError({
    code: 'network',
    message:
      targets.length === 1
        ? `Port ${ports} of ${targets[0]?.host} (redirect URI ${targets[0]?.uri}) is in use by another program: stop it, or register another loopback redirect URI at the IdP and pass it with --redirect-uri (redirectUri in code).`
        : `Every registered redirect port is in use (${ports}): stop a program that holds one, or pass another registered URI with --redirect-uri.`,
  });
}

/**
 * Rounds of trying the registered ports, and the pause between them, ms: a fixed port in the ephemeral
 * range (53000 is) can be held for a moment by another program's outgoing connection, so all of them
 * busy is asked again for about a second before it is an error.
 */
const BIND_ROUNDS = 5;
const BIND_PAUSE_MS = 250;

/** Binds the first target whose port is free; rejects with {@link portsBusy} when none is, a few rounds apart. */
async function bindFirstFree(
  servers: http.Server[],
  targets: readonly LoopbackTarget[],
  handle: http.RequestListener,
): Promise<{ target: LoopbackTarget; port: number }> {
  for (let round = 1; ; round += 1) {
    for (const target of targets) {
      try {
        return { target, port: await bindAll(servers, target, handle) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || target.port === 0) throw error;
      }
    }
    if (round === BIND_ROUNDS) throw portsBusy(targets);
    await new Promise((resolve) => setTimeout(resolve, BIND_PAUSE_MS));
  }
}

/**
 * Opens a listener for one flow's redirect: on 127.0.0.1 at an ephemeral port and `/callback` without
 * `redirectUris`; else on the first of those URIs whose port is free (a `localhost` URI binds 127.0.0.1
 * and ::1 alike), never 0.0.0.0. A request with another method, path or `Host` than this listener's
 * loopback host and port (DNS rebinding) is refused and does not end the flow.
 */
export async function openLoopbackListener(
  options: { readonly redirectUris?: readonly string[] | undefined } = {},
): Promise<LoopbackListener> {
  const targets = options.redirectUris?.length
    ? options.redirectUris.map(loopbackTarget)
    : [{ uri: 'http://127.0.0.1/callback', host: '127.0.0.1', port: 0, path: '/callback' }];
  let handler: ((url: string) => Promise<CallbackAnswer>) | undefined;
  let busy = false;
  let done = false;
  let inFlight: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const refuse = (res: http.ServerResponse, status: number) =>
    res.writeHead(status, { ...HEADERS, connection: 'close' }).end(STRAY_PAGE);
  const servers: http.Server[] = [];
  // Set once a port is bound; no request can reach the handler before.
  let port = 0;
  let path = '';
  const closeAll = () => {
    for (const server of servers) server.close();
  };
  const handle: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const host = req.headers.host ?? '';
    if (req.method !== 'GET') return refuse(res, 405);
    if (![`127.0.0.1:${port}`, `[::1]:${port}`, `localhost:${port}`].includes(host)) return refuse(res, 400);
    if (url.pathname !== path) return refuse(res, 404);
    if (!handler || busy || done || closing) return refuse(res, 400);
    busy = true;
    const serve = handler;
    inFlight = (async () => {
      let answer: CallbackAnswer;
      try {
        answer = await serve(`http://${host}${req.url ?? '/'}`);
      } catch (error) {
        answer = { status: 500, html: callbackPage({ ok: false, failure: toFailure(error) }), done: true };
      }
      if (answer.done) done = true;
      await new Promise<void>((resolve) => {
        res.writeHead(answer.status, { ...HEADERS, connection: 'close' });
        res.end(answer.html, () => resolve());
        res.once('close', () => resolve());
      });
      busy = false;
      // The real callback was answered: stop taking requests (the socket of the answer stays until flushed).
      if (answer.done) closeAll();
    })();
  };
  const { target, port: bound } = await bindFirstFree(servers, targets, handle);
  port = bound;
  path = target.path;
  return {
    redirectUrl: uriOf(target, port),
    port,
    serve(next) {
      handler = next;
    },
    close(graceMs = 5_000) {
      closing ??= (async () => {
        closeAll();
        if (inFlight) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([inFlight, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
          clearTimeout(timer);
        }
        for (const server of servers) {
          server.closeAllConnections();
          if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
        }
      })();
      return closing;
    },
  };
}

/**
 * How a loopback flow ended, as {@link runOnLoopback} saw it: what `runFlow` resolved with (and the
 * actor's last context, for who signed in where), or what it threw (a deadline that passed).
 */
type Settled = { readonly output: FlowOutput<unknown>; readonly context: unknown } | { readonly error: unknown };

/** The state the person's browser is sent away in; a callback is delivered once the flow has left it. */
const REDIRECTING = 'redirectingToIdp';

/** True while the flow still sends the browser away. */
const isRedirecting = (actor: AnyActorRef) => {
  const snapshot = actor.getSnapshot() as AnyMachineSnapshot;
  return snapshot.status === 'active' && snapshot.matches(REDIRECTING);
};

/** Resolves once the flow is past `redirectingToIdp` (waiting for the callback, or ended). */
function pastRedirect(actor: AnyActorRef): Promise<void> {
  if (!isRedirecting(actor)) return Promise.resolve();
  return new Promise((resolve) => {
    const subscription = actor.subscribe({
      next: () => {
        if (isRedirecting(actor)) return;
        subscription.unsubscribe();
        resolve();
      },
      error: () => resolve(),
      complete: () => resolve(),
    });
  });
}

/**
 * Serves a running flow's callbacks: each request on the callback path tells `browserBack` (the browser
 * is back, so sending it away is done) and becomes a CALLBACK event once the flow waits for it in
 * `awaitingCallback`; a stray one (the machine counted it in `ignoredCallbacks`) is answered 400 and the
 * wait goes on; the real one is answered once the flow has `settled`, with a page that says how it ended.
 */
export function serveFlowCallbacks(
  listener: LoopbackListener,
  actor: AnyActorRef,
  flow: {
    readonly toEvent: (url: string) => CallbackEvent;
    readonly browserBack: () => void;
    readonly settled: Promise<Settled>;
    readonly signal?: AbortSignal | undefined;
  },
): void {
  const ignored = () => (actor.getSnapshot().context as { ignoredCallbacks?: number }).ignoredCallbacks ?? 0;
  listener.serve(async (url) => {
    flow.browserBack();
    await pastRedirect(actor);
    const before = ignored();
    if (actor.getSnapshot().status === 'active') actor.send(flow.toEvent(url));
    if (ignored() > before) return { status: 400, html: STRAY_PAGE, done: false };
    const outcome = pageOutcome(await flow.settled, flow.signal);
    return { status: outcome.ok ? 200 : 400, html: callbackPage(outcome), done: true };
  });
}

/**
 * What the page says of a settled flow: signed in with who and where; else the failure the driver hands
 * its caller (`signedIn`'s error: the failure, or `cancelled`), or what `runFlow` threw. A flow cancelled
 * because the caller's signal timed out (the CLI's `--timeout`) failed with `timeout`, not a cancel.
 */
function pageOutcome(settled: Settled, signal: AbortSignal | undefined): PageOutcome {
  if ('error' in settled) return { ok: false, failure: failureOf(settled.error) };
  const { output, context } = settled;
  if (output.status === 'signedIn') return { ok: true, rows: signedInRows(output.credential, context) };
  if (output.status === 'failed') return { ok: false, failure: output.failure };
  if (signal?.aborted && (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError') {
    return { ok: false, failure: { code: 'timeout', message: 'The sign-in did not finish in time; start again.' } };
  }
  try {
    signedIn(output);
  } catch (error) {
    return { ok: false, failure: failureOf(error) };
  }
  return { ok: false, failure: toFailure(undefined) };
}

/** The failure of what a flow threw: an `AuthFlowError`'s own, anything else `internal`. */
const failureOf = (error: unknown): Failure => (error instanceof AuthFlowError ? error.toFailure() : toFailure(error));

/** A string, or `undefined` for anything else. */
const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** The host of a URL, or `undefined`. */
const hostOf = (url: string | undefined) => {
  if (url === undefined) return undefined;
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
};

/**
 * Who signed in, to which project, at which IdP, from the flow's credential and context: the user CDF
 * named (`/login/status`, token/inspect) or else the ID token's subject, with the ID token's name and
 * email; the project asked for, or those token/inspect lists; the issuer's host (the login URL's for the
 * legacy flow). Names only: no token, no code.
 */
function signedInRows(credential: unknown, context: unknown): Row[] {
  const c = (credential ?? {}) as {
    user?: unknown;
    project?: unknown;
    inspection?: { subject?: unknown; projects?: unknown };
    claims?: { iss?: unknown; sub?: unknown; name?: unknown; email?: unknown } | null;
  };
  const ctx = (context ?? {}) as { project?: unknown; issuer?: unknown; loginUrl?: unknown };
  const user = text(c.user) ?? text(c.inspection?.subject) ?? text(c.claims?.sub);
  const about = [text(c.claims?.name), text(c.claims?.email)].filter((s) => s !== undefined && s !== user);
  const named = text(c.project) ?? text(ctx.project);
  const listed: string[] = Array.isArray(c.inspection?.projects) ? c.inspection.projects.filter((p) => text(p)) : [];
  const issuer = hostOf(text(c.claims?.iss) ?? text(ctx.issuer));
  const loginUrl = hostOf(text(ctx.loginUrl));
  const rows: Array<Row | null> = [
    user === undefined ? null : ['User', about.length > 0 ? `${user} (${about.join(', ')})` : user],
    named !== undefined
      ? ['Project', named]
      : listed.length > 0
        ? [listed.length > 1 ? 'Projects' : 'Project', listed.join(', ')]
        : null,
    issuer !== undefined
      ? ['Identity provider', issuer]
      : loginUrl === undefined
        ? null
        : ['Identity provider', `${loginUrl} (the login URL CDF gave)`],
  ];
  return rows.filter((row): row is Row => row !== null);
}

/** The CALLBACK event a driver makes of a callback URL. */
type CallbackEvent = { readonly type: 'CALLBACK' } & Record<string, unknown>;

/** A flow that sends the person's browser away and waits for it: what {@link runOnLoopback} runs. */
export interface LoopbackFlow<TMachine extends AnyStateMachine> {
  /** The flow: its machine and this run's effects. */
  readonly flow: Flow<TMachine>;
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
 * flow's output (signed in, failed or cancelled). `navigate` is done once the opener has handed the URL
 * over or the browser has come back to the listener, whichever is first, so that the flow waits in
 * `awaitingCallback` when the callback is delivered (a headless browser's opener ends only after the
 * callback's page). The listener closes and the navigation is aborted however the flow ends; the
 * navigation outlives its actor on purpose, so that a headless browser still receives the callback's
 * answer, which says how the flow ended as the caller is told it.
 */
export async function runOnLoopback<TMachine extends AnyStateMachine>(
  options: FlowOptions & {
    readonly opener?: Opener | undefined;
    /** The registered redirect URIs, tried in order; absent: 127.0.0.1 at any port, `/callback`. */
    readonly redirectUris?: readonly string[] | undefined;
  },
  prepare: (loopback: {
    readonly redirectUrl: string;
    readonly navigate: (url: string) => Promise<void>;
  }) => LoopbackFlow<TMachine>,
): Promise<OutputFrom<TMachine>> {
  const opener = options.opener ?? systemBrowserOpener();
  const listener = await openLoopbackListener({ redirectUris: options.redirectUris });
  const navigation = new AbortController();
  let browserBack = () => {};
  const back = new Promise<void>((resolve) => (browserBack = resolve));
  let settle: (settled: Settled) => void = () => {};
  const settled = new Promise<Settled>((resolve) => (settle = resolve));
  let actor: AnyActorRef | undefined;
  // A navigation that fails after the browser came back to the listener (a headless browser shown the
  // 400 of a stray callback) ends the flow with its error while the flow still waits; once the flow has
  // ended, the callback page's status is the browser's business.
  let released = false;
  void back.then(() => (released = true));
  let failLate: (error: unknown) => void = () => {};
  const late = new Promise<never>((_, reject) => (failLate = reject));
  late.catch(() => {});
  try {
    const flow = prepare({
      redirectUrl: listener.redirectUrl,
      navigate: (url) => {
        const opened = opener(url, { signal: navigation.signal });
        opened.catch((error: unknown) => {
          if (!released || actor?.getSnapshot().status !== 'active') return;
          failLate(error);
          actor?.send({ type: 'CANCEL' });
        });
        return Promise.race([opened, back]);
      },
    });
    const output = await Promise.race([
      runFlow(flow.flow, flow.input, flow.start, {
        ...options,
        onActor: (started) => {
          actor = started;
          serveFlowCallbacks(listener, started, { ...flow, browserBack, settled, signal: options.signal });
        },
      }),
      late,
    ]);
    settle({ output: output as FlowOutput<unknown>, context: actor?.getSnapshot().context });
    return output;
  } catch (error) {
    settle({ error });
    throw error;
  } finally {
    navigation.abort();
    await listener.close();
  }
}
