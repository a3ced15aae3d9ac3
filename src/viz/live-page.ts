/**
 * The live statechart page (`cdf-auth demo --serve`): a page on 127.0.0.1 where a person signs in
 * against the emulator and the page tells the story: a timeline of every state the flow went through
 * (the part before the redirect is recorded by the page, names and times only, and replayed when the
 * page comes back), the machine's diagram with visited, current, failed and signed-in states, who is
 * signed in (never the token), and what a failure means in plain words. It is fed by the flow's own
 * inspection events, redacted by the library. Nothing is loaded from elsewhere. The device-code flow
 * runs where a device would, in this server (`loginWithDeviceCode`), and streams its user code and
 * states to the page (Server-Sent Events); its tokens and device code stay in the server.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InspectionEvent } from 'xstate';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import { deviceCodeMachine } from '../../machines/device-code.js';
import { loginUrlMachine } from '../../machines/login-url.js';
import type { OidcSignIn } from '../../machines/shared/tokens.js';
import { loginWithDeviceCode } from '../drivers/node/oidc.js';
import { isAuthFlowError } from '../errors/auth-flow-error.js';
import type { UserCode } from '../flows/device-code.js';
import { redact } from '../protocol/redact.js';
import { renderDiagram } from './diagram.js';

/** The page, its diagrams and the browser bundle, served on 127.0.0.1. */
export interface LivePage {
  readonly url: string;
  close(): Promise<void>;
}

/** What the page is configured with: the emulator's CDF and IdP, the SPA's client and the project. */
interface LiveConfig {
  readonly baseUrl: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly project: string;
  /**
   * The public client of the device-code flow (the emulator's `cli`), which this page's server runs for
   * the page. Without it the page has no device-code sign-in.
   */
  readonly deviceClientId?: string;
}

/** Renders a machine as SVG with Graphviz (WebAssembly, in this process: nothing is fetched). */
export async function renderSvg(machine: Parameters<typeof renderDiagram>[0]): Promise<string> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  const svg = graphviz.dot(renderDiagram(machine, 'dot'));
  return svg.slice(svg.indexOf('<svg'));
}

/**
 * The page's policy: its own origin for scripts, styles and its server's device-code stream, and for
 * `fetch` only the emulator's CDF (the flows and the page's token/inspect) and IdP (discovery, token, JWKS).
 * Navigations to the IdP are not fetches.
 */
function contentSecurityPolicy(config: LiveConfig | null): string {
  const connect = config ? `'self' ${new URL(config.baseUrl).origin} ${new URL(config.issuer).origin}` : "'self'";
  return `default-src 'self'; connect-src ${connect}; style-src 'unsafe-inline'; base-uri 'none'; object-src 'none'; form-action 'none'`;
}

const HEADERS = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } as const;

/**
 * Starts the page server. `configure` gets the page's origin before anything is served, so that the
 * emulator can register it as the SPA's redirect URI, and answers the page's configuration (with
 * `deviceClientId`, the page offers the device-code flow, run by this server).
 */
export async function startLivePage(options: {
  readonly port?: number;
  readonly configure: (origin: string) => Promise<LiveConfig>;
}): Promise<LivePage> {
  const bundle = await readBundle();
  const diagrams = {
    authorizationCode: await renderSvg(authorizationCodeMachine),
    loginUrl: await renderSvg(loginUrlMachine),
    deviceCode: await renderSvg(deviceCodeMachine),
  };
  let config: LiveConfig | null = null;
  const device = deviceEndpoints(() => config);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (device.handle(req, res, url)) return;
    const send = (type: string, body: string | Buffer) =>
      res.writeHead(200, { ...HEADERS, 'content-type': type }).end(body);
    if (url.pathname === '/') {
      res.setHeader('content-security-policy', contentSecurityPolicy(config));
      send('text/html; charset=utf-8', page(diagrams));
    } else if (url.pathname === '/cdf-authflow.js') send('text/javascript', bundle);
    else if (url.pathname === '/config.js') send('text/javascript', configModule(config));
    else if (url.pathname === '/live.js') send('text/javascript', LIVE_SCRIPT);
    else res.writeHead(404, HEADERS).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const configured = await options.configure(url.slice(0, -1));
  config = {
    baseUrl: configured.baseUrl,
    issuer: configured.issuer,
    clientId: configured.clientId,
    project: configured.project,
    ...(configured.deviceClientId ? { deviceClientId: configured.deviceClientId } : {}),
  };
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        device.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The page's configuration module: the browser logins' settings, and whether this server runs the device flow. */
function configModule(config: LiveConfig | null): string {
  const browser = config
    ? { baseUrl: config.baseUrl, issuer: config.issuer, clientId: config.clientId, project: config.project }
    : null;
  return `export default ${JSON.stringify(browser)};\nexport const device = ${Boolean(config?.deviceClientId)};\n`;
}

/**
 * The device-code flow, run by this server for the page: `GET /device/flow` starts one and is its event
 * stream (Server-Sent Events: `flow` with the id to cancel by, `code`, each `state`, then `done` or
 * `failed`, then `end`); `POST /device/cancel?flow=ID` aborts it, and so does the page going away. Only
 * the page's own origin may start or cancel one. A reconnect (which names the last event it saw) is told
 * 204: the flow it followed is over.
 */
function deviceEndpoints(config: () => LiveConfig | null) {
  const runs = new Map<string, AbortController>();
  const handle = (req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean => {
    if (url.pathname !== '/device/flow' && url.pathname !== '/device/cancel') return false;
    const current = config();
    const own = `127.0.0.1:${req.socket.localPort}`;
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    const ownPage =
      req.headers.host === own &&
      (site === undefined || site === 'same-origin') &&
      (origin === undefined || origin === `http://${own}`);
    if (!current?.deviceClientId || !ownPage) {
      res.writeHead(current?.deviceClientId ? 403 : 404, HEADERS).end();
    } else if (url.pathname === '/device/cancel') {
      const run = req.method === 'POST' ? runs.get(url.searchParams.get('flow') ?? '') : undefined;
      run?.abort();
      res.writeHead(run ? 204 : 404, HEADERS).end();
    } else if (req.method !== 'GET' || req.headers['last-event-id'] !== undefined) {
      res.writeHead(204, HEADERS).end();
    } else {
      streamDeviceFlow(current as LiveConfig & { deviceClientId: string }, res, runs);
    }
    return true;
  };
  return {
    handle,
    close: () => {
      for (const run of runs.values()) run.abort();
    },
  };
}

/** One device-code sign-in, streamed to the page: never a token, never the device code. */
function streamDeviceFlow(
  config: LiveConfig & { readonly deviceClientId: string },
  res: http.ServerResponse,
  runs: Map<string, AbortController>,
): void {
  const id = randomUUID();
  const abort = new AbortController();
  runs.set(id, abort);
  let sequence = 0;
  let finished = false;
  const send = (event: string, data: unknown) => {
    if (res.writableEnded || res.destroyed) return;
    sequence += 1;
    res.write(`id: ${sequence}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  res.writeHead(200, { ...HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
  res.on('close', () => {
    if (!finished) abort.abort();
  });
  send('flow', { id });
  const watcher = deviceWatcher(send);
  loginWithDeviceCode({
    issuer: config.issuer,
    baseUrl: config.baseUrl,
    clientId: config.deviceClientId,
    project: config.project,
    signal: abort.signal,
    inspect: watcher.inspect,
    onUserCode: watcher.onUserCode,
  })
    .then(
      (signIn) => send('done', signedInFacts(signIn)),
      (error: unknown) => send('failed', failureFacts(error)),
    )
    .finally(() => {
      finished = true;
      runs.delete(id);
      send('end', {});
      res.end();
    });
}

/**
 * The flow's redacted inspection events, as the page's timeline reads them (machine, state, event type,
 * time), and the user code with the code's deadline (from the machine's context) once both are known.
 */
function deviceWatcher(send: (event: string, data: unknown) => void) {
  let last = '';
  let shown: UserCode | null = null;
  return {
    onUserCode: (info: UserCode) => {
      shown = info;
    },
    inspect: (event: InspectionEvent) => {
      if (event.type !== '@xstate.snapshot' || event.actorRef.sessionId !== event.rootId) return;
      const snapshot = event.snapshot as { value?: unknown; context?: { deadline?: unknown } };
      const deadline = snapshot.context?.deadline;
      if (shown && typeof deadline === 'number') {
        send('code', {
          userCode: shown.userCode,
          verificationUri: shown.verificationUri,
          verificationUriComplete: shown.verificationUriComplete ?? null,
          expiresAt: deadline,
        });
        shown = null;
      }
      if (typeof snapshot.value === 'string' && snapshot.value !== last) {
        last = snapshot.value;
        const type = String((event.event as { type?: unknown } | undefined)?.type ?? '');
        send('state', { machine: 'deviceCode', state: last, event: type, at: Date.now() });
      }
    },
  };
}

/** The non-secret part of a sign-in: who, where, until when, which scopes. Never a token. */
function signedInFacts(signIn: OidcSignIn) {
  const claims = signIn.claims;
  const named = claims?.name ? `${claims.name}${claims.email ? ` <${claims.email}>` : ''}` : null;
  return {
    user: named ?? claims?.sub ?? signIn.inspection.subject,
    subject: signIn.inspection.subject,
    projects: [...signIn.inspection.projects],
    expiresAt: signIn.tokens.expiresAt,
    scope: signIn.tokens.scope ?? null,
  };
}

/** How a device-code sign-in failed, by name, as the page's failure panel reads it (redacted). */
function failureFacts(error: unknown) {
  const failure = isAuthFlowError(error)
    ? error.toFailure()
    : { code: 'internal', message: error instanceof Error ? error.message : String(error) };
  const { code, message, state, event, guard, actor, oauthError, status, requestId } = failure as Record<
    string,
    unknown
  >;
  return redact({ code, message, state, event, guard, actor, oauthError, status, requestId });
}

/** The browser bundle: next to the built package (dist/browser), or built from the sources (dist/). */
async function readBundle(): Promise<Buffer> {
  for (const candidate of ['../../browser/cdf-authflow.js', '../../dist/browser/cdf-authflow.js']) {
    try {
      return await readFile(new URL(candidate, import.meta.url));
    } catch {}
  }
  throw new Error('The browser bundle is missing: run npm run build.');
}

function page(diagrams: Record<string, string>): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<title>cdf-authflow: live statechart</title>
<style>${STYLE}</style></head>
<body>
${BODY.replace(/\{\{(\w+)\}\}/g, (_, name: string) => diagrams[name] ?? '')}
<script type="module" src="/live.js"></script>
</body></html>`;
}

/** The page's styles; the diagram colours are the legend's. */
const STYLE = `
  [hidden] { display: none !important; }
  body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; max-width: 90rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .4rem; }
  h2 { font-size: 1rem; margin: 0 0 .5rem; }
  h3 { font-size: .9rem; margin: .75rem 0 .25rem; }
  .intro { margin: 0 0 .5rem; color: #424a53; }
  .bar { display: flex; gap: .75rem; align-items: center; margin: .6rem 0; flex-wrap: wrap; }
  button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid #8c959f; background: #f6f8fa; cursor: pointer; }
  button:disabled { cursor: not-allowed; color: #8c959f; background: #fff; border-color: #d0d7de; }
  label:has(input:disabled) { color: #8c959f; }
  .hint { color: #59636e; font-size: 12.5px; }
  .status { font-size: 15px; margin: .6rem 0; }
  .status .ui { color: #59636e; font-size: 12.5px; margin-left: .75rem; }
  #ui { font-weight: 600; }
  .note { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: .5rem .75rem; }
  .top { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 6fr); gap: 1rem; margin: .75rem 0 1rem; align-items: start; }
  .panel { border: 1px solid #d0d7de; border-radius: 8px; padding: .75rem 1rem; }
  .panel.ok { border-color: #1a7f37; background: #f6fff8; }
  .panel.bad { border-color: #cf222e; background: #fff8f7; }
  .panel p { margin: .35rem 0; }
  dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .2rem .9rem; margin: .25rem 0; }
  dt { color: #59636e; }
  dd { margin: 0; overflow-wrap: anywhere; }
  dd code, .failure code { font: 12.5px ui-monospace, monospace; }
  #timeline { list-style: none; margin: 0; padding: 0; font-size: 13px; }
  #timeline li { display: grid; grid-template-columns: 5.5rem 6.5rem minmax(9rem, max-content) minmax(0, 1fr); gap: .6rem; padding: .15rem .3rem; border-radius: 4px; align-items: baseline; }
  #timeline li:nth-child(odd) { background: #f6f8fa; }
  #timeline .at { text-align: right; font: 12px ui-monospace, monospace; color: #59636e; }
  #timeline .machine { color: #59636e; }
  #timeline .event { font: 12px ui-monospace, monospace; color: #424a53; }
  #timeline .tag { font-size: 11px; color: #0969da; margin-left: .4rem; }
  #timeline li.divider { display: block; text-align: center; color: #0969da; background: none; font-size: 12px; border-top: 1px dashed #54aeff; margin: .2rem 0; }
  #timeline strong.failed { color: #cf222e; }
  #timeline strong.authenticated { color: #1a7f37; }
  .legend { display: flex; gap: 1.1rem; flex-wrap: wrap; align-items: center; margin: .25rem 0 .5rem; font-size: 13px; }
  .swatch { display: inline-block; width: 1.6rem; height: .95rem; border-radius: 4px; border: 1px solid #8c959f; vertical-align: -2px; margin-right: .35rem; background: #fff; }
  .swatch.visited { background: #ddf4ff; border-color: #0969da; }
  .swatch.current { background: #fff8c5; border: 2px solid #9a6700; }
  .swatch.failed { background: #ffebe9; border-color: #cf222e; }
  .swatch.signed-in { background: #dafbe1; border-color: #1a7f37; }
  .swatch.taken { background: none; border: none; border-top: 2px solid #0969da; border-radius: 0; height: 0; vertical-align: 3px; }
  .diagrams { display: grid; grid-template-columns: 1fr; gap: 1rem; }
  .diagram { border: 1px solid #d0d7de; border-radius: 8px; padding: .5rem; overflow-x: auto; overflow-y: hidden; }
  .diagram h2 { margin: .25rem .25rem .5rem; position: sticky; left: 0; }
  .diagram svg { display: block; max-width: none; }
  .device .user-code { font: 700 2.4rem/1.2 ui-monospace, monospace; letter-spacing: .12em; margin: .4rem 0; color: #0550ae; }
  .device a { overflow-wrap: anywhere; }
  #device-countdown { font: 700 1.1rem ui-monospace, monospace; }
  .diagram g.node polygon, .diagram g.node path, .diagram g.node ellipse { fill: #fff; transition: fill .15s; }
  .diagram g.node.visited polygon, .diagram g.node.visited path, .diagram g.node.visited ellipse { fill: #ddf4ff; stroke: #0969da; }
  .diagram g.node.current polygon, .diagram g.node.current path, .diagram g.node.current ellipse { fill: #fff8c5; stroke: #9a6700; stroke-width: 2.5; }
  .diagram g.node.failed polygon, .diagram g.node.failed path, .diagram g.node.failed ellipse { fill: #ffebe9; stroke: #cf222e; }
  .diagram g.node.signed-in polygon, .diagram g.node.signed-in path, .diagram g.node.signed-in ellipse { fill: #dafbe1; stroke: #1a7f37; }
  .diagram g.node[id^="state-"].failed text, .diagram g.node[id^="state-"].signed-in text { font-weight: 700; }
  .diagram g.edge.taken path { stroke: #0969da; stroke-width: 2.5; }
  .diagram g.edge.taken polygon { stroke: #0969da; fill: #0969da; }
  .diagram g.edge.taken text { fill: #0969da; }
  #log { font: 12px ui-monospace, monospace; background: #f6f8fa; border-radius: 8px; padding: .5rem .75rem; max-height: 16rem; overflow: auto; white-space: pre-wrap; }
`;

/** The page's body; `{{authorizationCode}}`, `{{loginUrl}}` and `{{deviceCode}}` are the machines' SVG diagrams. */
const BODY = `<h1>cdf-authflow: sign in and watch the statechart</h1>
<p class="intro">Everything here runs on 127.0.0.1: this page, a local CDF emulator and a real OpenID Connect provider. The diagrams are drawn from the machine definitions; the timeline and the diagrams follow the flow's redacted inspection events. The device-code flow is for devices without a browser, so it runs where a device would: in this page's server (Node), which streams its user code and its states here; you enter the code at the IdP in another tab.</p>
<div class="bar">
  <button id="signin-code">Sign in with OpenID Connect (code + PKCE)</button>
  <button id="signin-legacy">Sign in with the CDF login URL (legacy)</button>
  <button id="signin-device">Sign in with a device code</button>
  <button id="logout">Sign out</button>
</div>
<div class="bar">
  <label><input type="checkbox" id="opt-popup"> use a popup</label>
  <label><input type="checkbox" id="opt-persist"> keep the session across reloads (sessionStorage)</label>
  <span class="hint">Both apply to the next sign-in in this page (code + PKCE, login URL; not the device code, which runs in the server) and are remembered by this tab; they are locked while signed in or while a flow runs.</span>
</div>
<p class="status"><span id="status">Loading…</span><span class="ui">UI state: <span id="ui">anonymous</span></span></p>
<p id="note" class="note" hidden></p>
<div class="top">
  <div>
    <section class="panel device" id="device-panel" hidden><h2>Sign in with a device code</h2>
      <p id="device-asking">This page's server is asking the IdP for a code…</p>
      <div id="device-shown" hidden>
        <p>Go to the verification page and enter this code:</p>
        <p class="user-code" id="device-user-code"></p>
        <p><a id="device-link" target="_blank" rel="noopener noreferrer"></a> <span class="hint">(opens a new tab)</span><span class="hint" id="device-complete">, or <a id="device-link-complete" target="_blank" rel="noopener noreferrer">open it with the code filled in</a></span></p>
        <p>The code expires in <strong id="device-countdown"></strong> <span class="hint" id="device-expires"></span></p>
      </div>
      <div class="bar"><button id="device-cancel">Cancel</button><span class="hint">The server polls the IdP until the code is approved, denied or expired. It never sends this page a token or the device code.</span></div></section>
    <section class="panel" id="idle-panel"><h2>Not signed in</h2><p>Sign in with one of the buttons above. This panel then says who you are, or, when a sign-in fails, what happened and what to do.</p></section>
    <section class="panel ok" id="signed-in" hidden><h2 id="signed-in-title">Signed in</h2><dl id="signed-in-facts"></dl>
      <p class="hint" id="signed-in-hint"></p></section>
    <section class="panel bad failure" id="failure" hidden><h2 id="failure-title"></h2>
      <p id="failure-what"></p>
      <p><strong>What to do: </strong><span id="failure-todo"></span></p>
      <p class="hint">The library's message: <span id="failure-message"></span></p>
      <h3 id="failure-where-title">Where it happened</h3><dl id="failure-where"></dl></section>
  </div>
  <section class="panel"><h2>Timeline</h2>
    <p id="replay-note" class="hint" hidden>Before it left for the sign-in page, this page kept the steps so far (machine, state, event and time: nothing else) in sessionStorage; they are replayed now that it is back, then the flow goes on live.</p>
    <p id="timeline-empty" class="hint">No flow has run on this page load yet. Times are relative to the flow's start, in ms; each row names the event that led there.</p>
    <ol id="timeline"></ol></section>
</div>
<div class="legend" id="legend"><strong>Diagram:</strong>
  <span><span class="swatch"></span>not reached</span>
  <span><span class="swatch visited"></span>visited</span>
  <span><span class="swatch current"></span>current</span>
  <span><span class="swatch failed"></span>failed</span>
  <span><span class="swatch signed-in"></span>signed in</span>
  <span><span class="swatch taken"></span>transition taken</span>
  <span class="hint">Each diagram is drawn at its natural size, so text is the same size in all of them; scroll sideways inside a box for the rest of a machine (the box follows the current state).</span>
</div>
<div class="diagrams">
  <div class="diagram" id="diagram-authorizationCode"><h2>authorization-code (OpenID Connect code + PKCE)</h2>{{authorizationCode}}</div>
  <div class="diagram" id="diagram-loginUrl"><h2>login-url (CDF's legacy login URL)</h2>{{loginUrl}}</div>
  <div class="diagram" id="diagram-deviceCode"><h2>device-code (OpenID Connect device authorization, run by this page's server)</h2>{{deviceCode}}</div>
</div>
<h2 style="margin-top:1rem">Event log (redacted)</h2>
<div id="log"></div>`;

/**
 * A failure code in plain words: what happened, and what to do. The codes the browser flows can end
 * with (the CLI's cache codes and API keys are not on this page); any other code reads {@link GENERIC}.
 */
const PLAIN: Record<string, readonly [string, string]> = {
  accessDenied: [
    'You (or the identity provider) said no: access was not granted to this app.',
    'Sign in again and allow access, or ask your admin to grant you access.',
  ],
  cancelled: [
    'The sign-in was cancelled before it finished (Cancel was pressed, or the sign-in popup was closed).',
    'Sign in again when you are ready.',
  ],
  idpError: [
    'The identity provider stopped the sign-in with an error of its own.',
    "Try again; if it keeps happening, give the IdP's admin the details below.",
  ],
  callbackInvalid: [
    'The answer that came back from the sign-in page could not be read.',
    'Start the sign-in again from this page.',
  ],
  stateMismatch: [
    'The answer that came back does not belong to the sign-in this page started (an old or a forged link).',
    'Start the sign-in again from this page; do not reuse sign-in links.',
  ],
  tokenRejected: [
    'CDF did not accept the token the sign-in produced.',
    "Sign in again; if it keeps happening, ask the project's admin whether your account has access.",
  ],
  clientRejected: [
    'The identity provider does not accept this app (its client id or its return address).',
    "Ask the IdP's admin to register this app with exactly this page's address.",
  ],
  issuerMismatch: [
    'The identity provider answered as another issuer than the one this app is set up for.',
    "Check the issuer in the app's configuration; nothing was sent on.",
  ],
  idTokenInvalid: [
    "The identity provider's proof of who you are (the ID token) did not check out.",
    "Sign in again; if it keeps happening, check the computer's clock and the IdP's signing keys.",
  ],
  expiredToken: [
    'The sign-in took too long: what it was waiting for expired (a device code must be entered and approved before its countdown ends).',
    'Start again and finish within a few minutes.',
  ],
  invalidGrant: [
    'The identity provider would not swap the sign-in code for tokens (used already, or expired).',
    'Start the sign-in again.',
  ],
  insecureEndpoint: [
    'An address in the configuration is not safe to send credentials to, so nothing was sent.',
    "Fix the address in the app's configuration (https, or http only on the loopback address).",
  ],
  unexpectedRedirect: [
    'A server answered with a redirect where it must answer directly.',
    'Check the configured addresses (the CDF cluster and the issuer).',
  ],
  projectMismatch: [
    'You signed in, but your account cannot reach this CDF project.',
    "Ask the project's admin for access, or sign in to a project you belong to.",
  ],
  noIdpConfigured: [
    'This CDF project has no identity provider set up, so the login URL has nowhere to send you.',
    "Ask the project's admin to configure one, or use OpenID Connect.",
  ],
  navigationFailed: [
    'The page could not get to the sign-in page (a blocked popup, or the page did not leave in time).',
    "Allow popups for this page, or untick 'use a popup', and try again.",
  ],
  invalidResponse: [
    'A server answered with something this app cannot understand.',
    'Try again; if it keeps happening, check the configured addresses.',
  ],
  timeout: [
    'A step took too long (a server did not answer, or the sign-in page was left open too long).',
    'Try again; if it keeps happening, check the network.',
  ],
  network: [
    'A server could not be reached.',
    'Check the connection (and that the emulator still runs), then try again.',
  ],
  http: [
    'A server answered with an HTTP error.',
    'Try again; if it keeps happening, quote the request id below to the operator.',
  ],
  reauthRequired: [
    'The session could not be renewed: the identity provider wants you to sign in again.',
    'Sign in again.',
  ],
  notLoggedIn: ['There is no signed-in session (or its token expired).', 'Sign in.'],
  storeUnavailable: [
    "The browser's storage for the session is not available.",
    'Allow site data for this page (a private window may block it) and try again.',
  ],
  internal: [
    'Something unexpected went wrong inside the library.',
    'Try again; if it repeats, report it with the details below.',
  ],
};

/** The words for a code {@link PLAIN} does not know. */
const GENERIC: readonly [string, string] = [
  'The sign-in stopped.',
  'Try again; the details below say where it stopped.',
];

/**
 * The page's script. The logins are created once per page load with the options the tab remembers
 * (popup, persist); the `inspect` events (redacted by the library) feed the timeline, the diagrams and
 * the log; only names and times of the timeline go to sessionStorage, while the page is away at the IdP.
 * The device-code flow's events come from this page's server, over `/device/flow` (an EventSource).
 */
const LIVE_SCRIPT = String.raw`
import { createBrowserLogin, redact, redactText } from '/cdf-authflow.js';
import config, { device as deviceOffered } from '/config.js';

// Back from the IdP may restore this page from the back/forward cache, where no script runs again and
// the flow would look as if it still ran: load it afresh, so that the page says what happened.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});

const PLAIN = ${JSON.stringify(PLAIN)};
const GENERIC = ${JSON.stringify(GENERIC)};
const KEY = { options: 'cdf-authflow-live:options', timeline: 'cdf-authflow-live:timeline', signedIn: 'cdf-authflow-live:signed-in' };
const NAMES = { authorizationCode: 'code + PKCE', loginUrl: 'login URL', deviceCode: 'device code' };
const FINAL = new Set(['authenticated', 'failed', 'cancelled']);
const STEP_MS = 150;
const $ = (id) => document.getElementById(id);
const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};
const readJson = (key) => {
  try { return JSON.parse(sessionStorage.getItem(key) ?? 'null'); } catch { return null; }
};

// The redacted event log.
const log = $('log');
const write = (line) => { log.textContent += line + '\n'; log.scrollTop = log.scrollHeight; };

// The diagrams: visited, current, failed and signed-in states, and the transitions taken.
const MARKS = ['visited', 'current', 'failed', 'signed-in', 'taken'];
const clearDiagrams = () => {
  for (const node of document.querySelectorAll('.diagram g.node, .diagram g.edge')) node.classList.remove(...MARKS);
  for (const box of document.querySelectorAll('.diagram')) box.scrollLeft = 0;
};
/** A diagram wider than its box scrolls sideways: the box keeps the current state in view. */
const follow = (root, node) => {
  const box = root.getBoundingClientRect();
  const at = node.getBoundingClientRect();
  if (at.left >= box.left && at.right <= box.right) return;
  root.scrollLeft += at.left - box.left - (box.width - at.width) / 2;
};
const light = (machine, state, previous) => {
  const root = $('diagram-' + machine);
  for (const node of root.querySelectorAll('g.node.current')) node.classList.remove('current');
  const node = root.querySelector('#state-' + CSS.escape(state));
  node?.classList.add('visited', 'current');
  if (state === 'failed') node?.classList.add('failed');
  if (state === 'authenticated') node?.classList.add('signed-in');
  for (const edge of root.querySelectorAll('g.edge')) {
    if (previous && edge.querySelector('title')?.textContent === previous + '->' + state) edge.classList.add('taken');
  }
  if (node) follow(root, node);
  document.body.dataset[machine] = state;
};

// The timeline: every state entered, the event that led there and when (ms after the flow's start).
const timeline = { entries: [], queue: [], replaying: false, last: {} };
const list = $('timeline');
const eventLabel = (type) => {
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
  if (actor) return actor[1] + ' ' + actor[2];
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  if (after) return 'after ' + after[1];
  return type === 'xstate.init' ? 'the actor starts' : type;
};
const showEntry = (entry, replayed) => {
  const previous = timeline.entries.findLast((e) => e.machine === entry.machine);
  timeline.entries.push(entry);
  const row = el('li', replayed ? 'replayed' : '');
  row.dataset.machine = entry.machine;
  row.dataset.state = entry.state;
  const at = el('span', 'at', '+' + Math.round(entry.at - timeline.entries[0].at) + ' ms');
  const event = el('span', 'event', 'after ' + eventLabel(entry.event));
  event.title = entry.event;
  if (replayed) event.append(el('span', 'tag', 'replayed'));
  row.append(at, el('span', 'machine', NAMES[entry.machine]), el('strong', entry.state, entry.state), event);
  list.append(row);
  $('timeline-empty').hidden = true;
  light(entry.machine, entry.state, previous?.state);
};
/** Kept only while a flow runs (the page may leave for the IdP); a finished or dropped flow is not replayed again. */
const saveTimeline = () => {
  const last = timeline.entries.at(-1);
  const running = Object.values(logins).some((login) => login.state() === 'authenticating');
  if (!last || FINAL.has(last.state) || !running) sessionStorage.removeItem(KEY.timeline);
  else sessionStorage.setItem(KEY.timeline, JSON.stringify(timeline.entries));
};
const record = (entry) => {
  if (timeline.replaying) return void timeline.queue.push(entry);
  showEntry(entry, false);
  saveTimeline();
  render();
};
const resetTimeline = () => {
  Object.assign(timeline, { entries: [], queue: [], replaying: false, last: {} });
  list.replaceChildren();
  clearDiagrams();
  sessionStorage.removeItem(KEY.timeline);
  $('timeline-empty').hidden = false;
  $('replay-note').hidden = true;
};
/** The part before the redirect, kept by this page in sessionStorage: lit step by step, then live. */
const replay = async () => {
  const stored = readJson(KEY.timeline);
  sessionStorage.removeItem(KEY.timeline);
  const entries = (Array.isArray(stored) ? stored : []).flatMap((e) =>
    NAMES[e?.machine] && typeof e.state === 'string' && typeof e.event === 'string' && typeof e.at === 'number'
      ? [{ machine: e.machine, state: e.state, event: e.event, at: e.at }] : []);
  if (entries.length === 0) return;
  timeline.replaying = true;
  for (const entry of entries) timeline.last[entry.machine] = entry.state;
  $('replay-note').hidden = false;
  render();
  for (const entry of entries) {
    showEntry(entry, true);
    await new Promise((resolve) => setTimeout(resolve, STEP_MS));
  }
  list.append(el('li', 'divider', 'the page left for the sign-in page here and came back: live from here'));
  timeline.replaying = false;
  for (const entry of timeline.queue.splice(0)) showEntry(entry, false);
  saveTimeline();
  render();
};

// What the flow's redacted output says of the sign-in (never a token: the library redacted them).
const flowFacts = {};
const factsOf = (machine, output) => {
  const credential = output?.status === 'signedIn' ? output.credential : null;
  if (!credential) return null;
  if (machine === 'loginUrl') return { user: credential.user, expiresAt: credential.expiresAt ?? null };
  const claims = credential.claims ?? {};
  const user = claims.name ? claims.name + (claims.email ? ' <' + claims.email + '>' : '') : claims.sub;
  return { user, scope: credential.tokens?.scope ?? null, expiresAt: credential.tokens?.expiresAt ?? null };
};
const inspectFor = (machine) => (event) => {
  if (event.actorRef.sessionId !== event.rootId) return;
  if (event.type === '@xstate.snapshot') {
    const state = event.snapshot.value;
    if (typeof state === 'string' && state !== timeline.last[machine]) {
      timeline.last[machine] = state;
      record({ machine, state, event: String(event.event?.type ?? ''), at: Date.now() });
    }
    if (event.snapshot.status === 'done') flowFacts[machine] = factsOf(machine, event.snapshot.output);
  }
  if (event.type === '@xstate.event') {
    const { type, ...rest } = event.event;
    const detail = Object.keys(rest).length ? ' ' + JSON.stringify(redact(rest)).slice(0, 160) : '';
    write(new Date().toISOString().slice(11, 23) + '  ' + machine + '  ' + type + detail);
  }
};

// The logins, made as the tab's remembered options say: popup or redirect, session kept or not.
const options = { popup: false, persist: false, ...readJson(KEY.options) };
$('opt-popup').checked = options.popup === true;
$('opt-persist').checked = options.persist === true;
const logins = {};
let unsubscribe = [];
const createLogins = () => {
  for (const off of unsubscribe) off();
  const common = {
    ...config,
    redirectUri: location.origin + '/',
    mode: options.popup ? 'popup' : 'redirect',
    persist: options.persist ? 'session' : 'memory',
  };
  logins.authorizationCode = createBrowserLogin({ ...common, flow: 'authorization-code', inspect: inspectFor('authorizationCode') });
  logins.loginUrl = createBrowserLogin({ ...common, flow: 'login-url', inspect: inspectFor('loginUrl') });
  unsubscribe = Object.entries(logins).map(([machine, login]) => login.subscribe((state) => changed(machine, state)));
};
for (const [id, name] of [['opt-popup', 'popup'], ['opt-persist', 'persist']]) {
  $(id).onchange = () => {
    options[name] = $(id).checked;
    sessionStorage.setItem(KEY.options, JSON.stringify(options));
    createLogins();
    render();
  };
}

// What the page shows: who is signed in, why a sign-in failed, and a note on what just happened.
const view = { active: null, signedIn: null, failure: null, note: '' };
const failureOf = (error) =>
  typeof error?.toFailure === 'function' ? error.toFailure() : { code: String(error?.code ?? 'internal'), message: String(error?.message ?? error) };
const markSignedIn = (machine, extra) => {
  const fresh = view.signedIn?.machine !== machine;
  const mode = machine === 'deviceCode' ? "this page's server" : options.popup ? 'a popup' : 'a redirect';
  view.signedIn = { ...(fresh ? { machine, mode } : view.signedIn), ...extra };
  view.active = machine;
  view.failure = null;
  sessionStorage.setItem(KEY.signedIn, machine);
  if (fresh && machine !== 'deviceCode') askCdf(machine);
  render();
};
/** CDF's token/inspect, asked by the page (the app) with the token: subject, projects and groups. */
const askCdf = async (machine) => {
  let inspect;
  try {
    const token = await logins[machine].getToken();
    const response = await fetch(config.baseUrl.replace(/\/$/, '') + '/api/v1/token/inspect', {
      headers: { authorization: 'Bearer ' + token },
    });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    const body = await response.json();
    const memberships = Array.isArray(body.projects) ? body.projects : [];
    const here = memberships.find((p) => p.projectUrlName === config.project);
    inspect = {
      subject: String(body.subject),
      projects: memberships.map((p) => String(p.projectUrlName)),
      groups: Array.isArray(here?.groups) ? here.groups.length : 0,
    };
  } catch (error) {
    inspect = { error: 'CDF did not answer token/inspect (' + redactText(String(error?.message ?? error)) + ')' };
  }
  if (view.signedIn?.machine !== machine) return;
  view.signedIn.inspect = inspect;
  render();
};
const changed = (machine, state) => {
  if (state !== 'anonymous') view.active = machine;
  if (state === 'authenticated') markSignedIn(machine, {});
  if (state === 'anonymous' && view.signedIn?.machine === machine) {
    view.signedIn = null;
    sessionStorage.removeItem(KEY.signedIn);
  }
  render();
};

const fill = (dl, rows) => {
  dl.replaceChildren();
  for (const [label, value] of rows) {
    if (value === undefined || value === null || value === '') continue;
    const dd = el('dd', '', String(value));
    dd.dataset.fact = label;
    dl.append(el('dt', '', label), dd);
  }
};
const expiry = (at) => {
  if (typeof at !== 'number') return 'not known';
  const minutes = Math.round((at - Date.now()) / 60000);
  return new Date(at).toLocaleTimeString() + (minutes > 0 ? ' (in ' + minutes + ' min)' : ' (expired)');
};
const kept = (machine) => {
  if (machine === 'deviceCode') return 'nowhere: the server dropped the tokens once it had sent this page who you are';
  if (machine === 'loginUrl') return 'in memory only: the login-URL flow keeps no session across reloads';
  return options.persist
    ? "in sessionStorage (persist: 'session'): a reload of this tab keeps it"
    : "in memory only (persist: 'memory'): a reload signs out";
};
const renderSignedIn = () => {
  const s = view.signedIn;
  $('signed-in').hidden = !s;
  if (!s) return;
  const facts = flowFacts[s.machine] ?? {};
  const cdf = s.inspect;
  $('signed-in-title').textContent = 'Signed in with ' + NAMES[s.machine] + (s.restored ? ', restored after the reload' : ', by ' + s.mode);
  const projects = cdf?.projects ? config.project + ' (the token reaches: ' + cdf.projects.join(', ') + ')' : config.project;
  const groups = s.machine === 'deviceCode' ? 'not asked: the server sends this page only the subject and the projects'
    : cdf?.groups === undefined ? (cdf?.error ? 'not known' : 'asking CDF…') : cdf.groups + ' in ' + config.project;
  $('signed-in-hint').textContent = s.machine === 'deviceCode'
    ? "The device-code flow ran in this page's server: the tokens and the device code stayed there. It sent this page only the user, the subject and projects from CDF's token/inspect, the expiry and the scopes."
    : "The access token is a secret: this page never shows or logs it. The user and scopes come from the flow's redacted events; subject, projects and groups from CDF's GET /api/v1/token/inspect, which the page calls with the token.";
  fill($('signed-in-facts'), [
    ['User', facts.user ?? cdf?.subject ?? 'asking CDF…'],
    ['Subject (CDF)', cdf?.subject ?? cdf?.error ?? 'asking CDF…'],
    ['Project', projects],
    ['Expires', expiry(s.expiresAt ?? facts.expiresAt)],
    ['Scopes', facts.scope ?? (s.machine === 'loginUrl' ? 'none: the login URL issues a CDF token, without OAuth scopes' : 'not known after a reload (only the sign-in sees them)')],
    ['Groups', groups],
    ['Session kept', kept(s.machine)],
  ]);
};
const renderFailure = () => {
  const f = view.failure;
  $('failure').hidden = !f;
  if (!f) return;
  const [what, todo] = PLAIN[f.failure.code] ?? GENERIC;
  $('failure').dataset.code = f.failure.code;
  $('failure-title').textContent = f.failure.code === 'cancelled'
    ? 'The sign-in was cancelled (' + NAMES[f.machine] + ')'
    : 'The sign-in failed (' + NAMES[f.machine] + '): ' + f.failure.code;
  $('failure-what').textContent = what;
  $('failure-todo').textContent = todo;
  $('failure-message').textContent = redactText(String(f.failure.message ?? ''));
  const where = [['state', f.failure.state], ['event', f.failure.event], ['guard', f.failure.guard], ['actor', f.failure.actor]];
  const more = [['IdP error', f.failure.oauthError], ['HTTP status', f.failure.status], ['request id', f.failure.requestId]];
  fill($('failure-where'), [...where, ...more]);
  $('failure-where-title').textContent = where.some(([, v]) => v) ? 'Where it happened' : 'Details';
  $('failure-where').hidden = ![...where, ...more].some(([, v]) => v !== undefined);
  $('failure-where-title').hidden = $('failure-where').hidden;
};
const statusOf = (state, machine) => {
  const name = machine ? NAMES[machine] : '';
  if (timeline.replaying) return 'Back from the sign-in page: replaying the steps before the redirect…';
  const at = timeline.last[machine] ?? 'its first state';
  if (state === 'authenticating' && machine === 'deviceCode' && device.code)
    return 'Waiting for the code to be entered and approved at the verification page; the server polls the IdP (the flow is in ' + at + ').';
  if (state === 'authenticating') return 'Signing in with ' + name + '… the flow is in ' + at + '.';
  if (state === 'authenticated') return 'Signed in with ' + name + '. Who you are is below; the token itself is never shown.';
  if (state === 'refreshing') return 'Signed in; renewing the token in the background.';
  if (state === 'reauthRequired') return 'The session could not be renewed: sign in again.';
  if (view.failure?.failure.code === 'cancelled') return 'The sign-in was cancelled. What that means is below.';
  if (state === 'failed' || view.failure) return 'The sign-in failed. What happened and what to do are below.';
  return 'Not signed in. Choose a way to sign in.';
};
function render() {
  const states = Object.fromEntries(Object.entries(logins).map(([machine, login]) => [machine, login.state()]));
  states.deviceCode = device.state;
  const shown = view.active ? states[view.active] : 'anonymous';
  const values = Object.values(states);
  const signedIn = values.includes('authenticated') || values.includes('refreshing');
  const running = values.includes('authenticating') || timeline.replaying;
  for (const id of ['signin-code', 'signin-legacy', 'opt-popup', 'opt-persist']) $(id).disabled = signedIn || running;
  $('signin-device').disabled = signedIn || running || !deviceOffered;
  $('signin-device').title = deviceOffered ? '' : 'This page was started without a device-code client.';
  $('logout').disabled = !(signedIn || values.includes('reauthRequired'));
  $('ui').textContent = shown;
  $('status').textContent = statusOf(shown, view.active);
  $('note').textContent = view.note;
  $('note').hidden = !view.note;
  renderSignedIn();
  renderFailure();
  renderDevice();
  $('idle-panel').hidden = Boolean(view.signedIn || view.failure || device.state === 'authenticating');
  document.body.dataset.ui = shown;
}

// The device-code flow, run by this page's server: one event stream says the code, each state and the end.
const device = { state: 'anonymous', source: null, flow: null, code: null, cancelling: false };
const stamp = () => new Date().toISOString().slice(11, 23);
const deviceEnded = (state, failure) => {
  device.state = state;
  if (failure) {
    view.failure = { machine: 'deviceCode', failure };
    write('sign-in ' + (failure.code === 'cancelled' ? 'cancelled' : 'failed') + ' (deviceCode): ' + failure.code);
  }
  render();
};
const startDevice = () => {
  resetTimeline();
  Object.assign(view, { active: 'deviceCode', failure: null, note: '' });
  Object.assign(device, { state: 'authenticating', flow: null, code: null, cancelling: false });
  sessionStorage.removeItem(KEY.signedIn);
  const source = new EventSource('/device/flow');
  device.source = source;
  const on = (type, handle) => source.addEventListener(type, (event) => handle(JSON.parse(event.data)));
  on('flow', ({ id }) => { device.flow = id; render(); });
  on('code', (code) => {
    device.code = code;
    write(stamp() + '  deviceCode  user code ' + code.userCode + ' shown; enter it at ' + code.verificationUri);
    render();
  });
  on('state', (entry) => {
    write(stamp() + '  deviceCode  ' + entry.event + ' -> ' + entry.state);
    timeline.last.deviceCode = entry.state;
    record(entry);
  });
  on('done', (facts) => {
    flowFacts.deviceCode = facts;
    device.state = 'authenticated';
    markSignedIn('deviceCode', { inspect: { subject: facts.subject, projects: facts.projects } });
  });
  on('failed', (failure) => deviceEnded(failure.code === 'cancelled' ? 'anonymous' : 'failed', failure));
  on('end', () => {
    source.close();
    Object.assign(device, { source: null, flow: null, code: null });
    render();
  });
  source.onerror = () => {
    source.close();
    if (device.source !== source) return;
    device.source = null;
    if (device.state === 'authenticating')
      deviceEnded('failed', { code: 'network', message: "The page lost its stream from its server (the server stopped?)." });
  };
  render();
};
const cancelDevice = async () => {
  if (!device.flow) return;
  device.cancelling = true;
  render();
  const response = await fetch('/device/cancel?flow=' + encodeURIComponent(device.flow), { method: 'POST' }).catch(() => null);
  if (!response?.ok) write('cancel: the server knew no such flow (it had ended already)');
};
const countdown = () => {
  const code = device.code;
  if (!code) return;
  const left = Math.max(0, Math.ceil((code.expiresAt - Date.now()) / 1000));
  $('device-countdown').textContent = Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0');
  $('device-countdown').dataset.seconds = String(left);
};
setInterval(countdown, 1000);
function renderDevice() {
  const waiting = device.state === 'authenticating';
  const code = device.code;
  $('device-panel').hidden = !waiting;
  $('device-cancel').disabled = !waiting || !device.flow || device.cancelling;
  $('device-asking').hidden = Boolean(code);
  $('device-shown').hidden = !code;
  if (!code) return;
  $('device-user-code').textContent = code.userCode;
  $('device-link').href = code.verificationUri;
  $('device-link').textContent = code.verificationUri;
  $('device-link-complete').href = code.verificationUriComplete ?? code.verificationUri;
  $('device-complete').hidden = !code.verificationUriComplete;
  $('device-expires').textContent = '(at ' + new Date(code.expiresAt).toLocaleTimeString() + ')';
  countdown();
}

// The buttons: a sign-in starts a new story; signIn() is called inside the click (a popup needs that).
const start = (machine) => {
  resetTimeline();
  device.state = 'anonymous';
  Object.assign(view, { active: machine, failure: null, note: '' });
  sessionStorage.removeItem(KEY.signedIn);
  const running = logins[machine].signIn();
  render();
  running.then(render, (error) => {
    view.failure = { machine, failure: failureOf(error) };
    write('sign-in failed (' + machine + '): ' + view.failure.failure.code);
    render();
  });
};
$('signin-code').onclick = () => start('authorizationCode');
$('signin-legacy').onclick = () => start('loginUrl');
$('signin-device').onclick = () => startDevice();
$('device-cancel').onclick = () => cancelDevice();
$('logout').onclick = () => {
  for (const login of Object.values(logins)) login.logout();
  if (device.state !== 'authenticating') device.state = 'anonymous';
  Object.assign(view, {
    active: null,
    signedIn: null,
    failure: null,
    note: 'Signed out: this page forgot the session. The IdP may still remember you, so the next sign-in can skip its pages.',
  });
  sessionStorage.removeItem(KEY.signedIn);
  render();
};

// A page load: the callback (or not), a kept session (or not), and why this page is signed out.
const reloadNote = (machine) => {
  if (machine === 'deviceCode')
    return "Signed out by the reload: the device-code sign-in ran in this page's server, which kept no token, so there is nothing to restore.";
  if (machine === 'loginUrl')
    return 'Signed out by the reload: the login-URL flow keeps its session in memory only (the library keeps only code + PKCE sessions across reloads).';
  if (!options.persist)
    return "Signed out by the reload: this page keeps the session in memory only (persist: 'memory'). Tick 'keep the session across reloads' to keep it.";
  return 'Signed out by the reload: no kept session was found in sessionStorage (it expired, or another tab signed out).';
};
const NOTES = {
  abandoned: 'You came back from the sign-in page without signing in; the pending sign-in was dropped.',
  staleCallback: 'This address carried a sign-in answer that no sign-in in this tab waits for (a reload, or Back); it was ignored and nothing was sent.',
  restored: "The session was restored after the reload: this page keeps it in sessionStorage (persist: 'session').",
};
const arrive = async () => {
  const wasSignedIn = sessionStorage.getItem(KEY.signedIn);
  const outcomes = await Promise.all(
    Object.entries(logins).map(([machine, login]) => login.handleRedirect().then((outcome) => [machine, outcome])),
  );
  // The sign-in popup: the callback went to the page that opened it, and this window closes.
  if (outcomes.some(([, outcome]) => outcome.status === 'handedToOpener')) return;
  for (const [machine, outcome] of outcomes) {
    if (outcome.status === 'none') continue;
    write('page load (' + machine + '): ' + outcome.status + (outcome.failure ? ' ' + outcome.failure.code : ''));
    if (NOTES[outcome.status]) view.note = NOTES[outcome.status];
    if (outcome.status === 'failed') Object.assign(view, { active: machine, failure: { machine, failure: outcome.failure } });
    if (outcome.status === 'authenticated' || outcome.status === 'restored')
      markSignedIn(machine, { restored: outcome.status === 'restored', expiresAt: outcome.expiresAt });
  }
  if (wasSignedIn && !view.signedIn && outcomes.every(([, outcome]) => outcome.status === 'none')) {
    view.note = reloadNote(wasSignedIn);
    sessionStorage.removeItem(KEY.signedIn);
  }
  render();
};

createLogins();
render();
void replay();
void arrive();
`;
