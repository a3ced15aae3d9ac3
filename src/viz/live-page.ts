/**
 * The live statechart page (`cdf-auth demo --serve`): a page on 127.0.0.1 where a person signs in
 * against the emulator while the machine's diagram lights up each state as it is entered, fed by the
 * flow's own inspection events (redacted before they are shown). Nothing is loaded from elsewhere.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import { loginUrlMachine } from '../../machines/login-url.js';
import { renderDiagram } from './diagram.js';

/** The page, its diagrams and the browser bundle, served on 127.0.0.1. */
export interface LivePage {
  readonly url: string;
  close(): Promise<void>;
}

/** Renders a machine as SVG with Graphviz (WebAssembly, in this process: nothing is fetched). */
export async function renderSvg(machine: Parameters<typeof renderDiagram>[0]): Promise<string> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  const svg = graphviz.dot(renderDiagram(machine, 'dot'));
  return svg.slice(svg.indexOf('<svg'));
}

/**
 * Starts the page server. `configure` gets the page's origin before anything is served, so that the
 * emulator can register it as the SPA's redirect URI, and answers the page's configuration.
 */
export async function startLivePage(options: {
  readonly port?: number;
  readonly configure: (
    origin: string,
  ) => Promise<{ baseUrl: string; issuer: string; clientId: string; project: string }>;
}): Promise<LivePage> {
  const bundle = await readBundle();
  const diagrams = {
    authorizationCode: await renderSvg(authorizationCodeMachine),
    loginUrl: await renderSvg(loginUrlMachine),
  };
  let config = '';
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const headers = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };
    if (path === '/') {
      res.writeHead(200, {
        ...headers,
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'self'; connect-src http://127.0.0.1:*; style-src 'unsafe-inline'",
      });
      res.end(page(diagrams));
    } else if (path === '/cdf-authflow.js') {
      res.writeHead(200, { ...headers, 'content-type': 'text/javascript' }).end(bundle);
    } else if (path === '/config.js') {
      res.writeHead(200, { ...headers, 'content-type': 'text/javascript' }).end(`export default ${config};`);
    } else if (path === '/live.js') {
      res.writeHead(200, { ...headers, 'content-type': 'text/javascript' }).end(LIVE_SCRIPT);
    } else {
      res.writeHead(404, headers).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  config = JSON.stringify(await options.configure(url.slice(0, -1)));
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; }
  h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
  .bar { display: flex; gap: .75rem; align-items: center; margin: .75rem 0; flex-wrap: wrap; }
  button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid #8c959f; background: #f6f8fa; cursor: pointer; }
  #ui { font-weight: 600; }
  .diagrams { display: grid; grid-template-columns: 1fr; gap: 1rem; }
  .diagram { border: 1px solid #d0d7de; border-radius: 8px; padding: .5rem; overflow: auto; }
  .diagram h2 { font-size: 1rem; margin: .25rem .25rem .5rem; }
  .diagram svg { width: 100%; height: auto; max-height: 34rem; }
  .diagram g.node polygon, .diagram g.node path, .diagram g.node ellipse { fill: #fff; transition: fill .2s; }
  .diagram g.node.current polygon, .diagram g.node.current path, .diagram g.node.current ellipse { fill: #ffd33d; stroke: #9a6700; stroke-width: 2; }
  .diagram g.node.visited polygon, .diagram g.node.visited path, .diagram g.node.visited ellipse { fill: #dafbe1; }
  #log { font: 12px ui-monospace, monospace; background: #f6f8fa; border-radius: 8px; padding: .5rem .75rem; max-height: 16rem; overflow: auto; white-space: pre-wrap; }
</style></head>
<body>
<h1>cdf-authflow: sign in and watch the statechart</h1>
<p>Everything here runs on 127.0.0.1: the page, a local CDF emulator and a real OpenID Connect provider. The diagrams are drawn from the machine definitions; the state being entered lights up, fed by the flow's redacted inspection events.</p>
<div class="bar">
  <button id="signin-code">Sign in with OpenID Connect (code + PKCE)</button>
  <button id="signin-legacy">Sign in with the CDF login URL (legacy)</button>
  <button id="logout">Sign out</button>
  <span>UI state: <span id="ui">anonymous</span></span>
</div>
<div class="diagrams">
  <div class="diagram" id="diagram-authorizationCode"><h2>authorization-code</h2>${diagrams.authorizationCode}</div>
  <div class="diagram" id="diagram-loginUrl"><h2>login-url</h2>${diagrams.loginUrl}</div>
</div>
<h2 style="font-size:1rem">Event log (redacted)</h2>
<div id="log"></div>
<script type="module" src="/live.js"></script>
</body></html>`;
}

/** The page's script: two logins on one page, each lighting up its own diagram. */
const LIVE_SCRIPT = `
import { createBrowserLogin, redact } from '/cdf-authflow.js';
import config from '/config.js';
const log = document.getElementById('log');
const write = (line) => { log.textContent += line + '\\n'; log.scrollTop = log.scrollHeight; };
const light = (machine, state) => {
  const root = document.getElementById('diagram-' + machine);
  for (const node of root.querySelectorAll('g.node.current')) { node.classList.remove('current'); node.classList.add('visited'); }
  root.querySelector('#state-' + state)?.classList.add('current');
  document.body.dataset[machine] = state;
};
const inspectFor = (machine) => (event) => {
  if (event.actorRef.sessionId !== event.rootId) return;
  if (event.type === '@xstate.snapshot' && typeof event.snapshot.value === 'string') light(machine, event.snapshot.value);
  if (event.type === '@xstate.event') {
    const { type, ...rest } = event.event;
    const detail = Object.keys(rest).length ? ' ' + JSON.stringify(redact(rest)).slice(0, 160) : '';
    write(new Date().toISOString().slice(11, 23) + '  ' + machine + '  ' + type + detail);
  }
};
const origin = location.origin;
const code = createBrowserLogin({ ...config, flow: 'authorization-code', redirectUri: origin + '/', inspect: inspectFor('authorizationCode') });
const legacy = createBrowserLogin({ ...config, flow: 'login-url', redirectUri: origin + '/', inspect: inspectFor('loginUrl') });
const ui = document.getElementById('ui');
for (const login of [code, legacy]) login.subscribe((state) => { ui.textContent = state; });
document.getElementById('signin-code').onclick = () => code.signIn().catch((e) => write('error ' + e.code));
document.getElementById('signin-legacy').onclick = () => legacy.signIn().catch((e) => write('error ' + e.code));
document.getElementById('logout').onclick = () => { code.logout(); legacy.logout(); ui.textContent = 'anonymous'; };
for (const [name, login] of [['authorizationCode', code], ['loginUrl', legacy]]) {
  login.handleRedirect().then((outcome) => {
    if (outcome.status === 'none') return;
    write('redirect handled (' + name + '): ' + outcome.status + (outcome.failure ? ' ' + outcome.failure.code : ''));
    if (outcome.status === 'authenticated') ui.textContent = 'authenticated';
  });
}
`;
