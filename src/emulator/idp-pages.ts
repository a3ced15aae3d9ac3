/**
 * The IdP's pages for a person: sign-in, consent, the device flow's code entry, confirmation and success,
 * sign-out and errors. Each is one step, styled inline, loads nothing from anywhere (its CSP says so), names
 * the app that asks and says at the top that this is the local emulator, not a real IdP. Everything
 * interpolated is escaped.
 */
import type { IncomingMessage } from 'node:http';
import type { EmulatorUser } from './config.js';

/** Reads a small form body (64 KiB at most). */
export async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 65_536) throw new Error('form too large');
  }
  return body;
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One page: its title (also its heading), the app that asks, and its body (HTML, already escaped). */
export interface PageParts {
  /** The title and the heading. */
  readonly title: string;
  /** The client id of the app that asks; `null` where the IdP does not know it (yet). */
  readonly client: string | null;
  /** What to say instead of the app's name when `client` is `null`. */
  readonly noClient?: string;
  /** The body, HTML whose interpolations are escaped already. */
  readonly body: string;
  /** How the page reads: an error, a finished step, or (default) a question. */
  readonly tone?: 'error' | 'done' | 'ask';
  /** An inline script (the pages that submit themselves). */
  readonly script?: string;
}

// Nothing is loaded from anywhere: no font, image, script or stylesheet URL (the CSP forbids them too).
const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'";
const CSS = `:root{color-scheme:light;--ink:#1c2330;--muted:#5b6576;--line:#d8dee8;--accent:#2452c7;--bg:#eef1f6}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.emu{background:#fff3cd;border-bottom:1px solid #e6cf85;color:#5c4500;padding:.55rem 1rem;text-align:center;font-size:13px}
main{max-width:27rem;margin:2.2rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:1.5rem 1.6rem 1.3rem;box-shadow:0 1px 3px rgba(20,30,50,.08)}
.card.error{border-top:4px solid #c62828}.card.done{border-top:4px solid #2e7d32}.card.ask{border-top:4px solid var(--accent)}
.app{margin:0;color:var(--muted);font-size:13px}
h1{font-size:1.3rem;line-height:1.3;margin:.3rem 0 .9rem}
p{margin:.6rem 0}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef1f5;padding:.1rem .35rem;border-radius:4px;overflow-wrap:anywhere}
.users{border:0;padding:0;margin:.4rem 0 0}
.user{display:flex;gap:.75rem;align-items:center;border:1px solid var(--line);border-radius:8px;padding:.6rem .8rem;margin-bottom:.5rem;cursor:pointer}
.user:has(input:checked){border-color:var(--accent);background:#f3f6ff}
.user small{display:block;color:var(--muted)}
.actions{display:flex;gap:.6rem;margin-top:1.2rem}
button{font:inherit;font-weight:600;border-radius:6px;padding:.5rem 1.1rem;cursor:pointer;border:1px solid var(--line);background:#fff;color:var(--ink)}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
button:focus-visible{outline:3px solid #9bb5f5;outline-offset:1px}
.code{font:600 1.7rem/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.14em;text-align:center;padding:.75rem;border:1px dashed #b9c2d0;border-radius:8px;margin:.8rem 0}
form input[type=text]{width:100%;font:600 1.3rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.12em;text-transform:uppercase;text-align:center;padding:.6rem;border:1px solid #b9c2d0;border-radius:6px}
form input[type=text]:focus{outline:3px solid #9bb5f5;border-color:var(--accent)}
form input[type=text]::placeholder{text-transform:none;letter-spacing:normal;font-weight:400}
ul.scopes{margin:.4rem 0;padding-left:1.2rem}
.note{color:var(--muted);font-size:13px}
.problem{background:#fdecea;border-radius:6px;padding:.5rem .75rem;color:#8e1c1c}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:1rem}`;

/** A whole page: the emulator's banner, the app that asks, one card. */
export function page(parts: PageParts): string {
  const asking = (parts.tone ?? 'ask') === 'ask';
  const app =
    parts.client === null
      ? escapeHtml(parts.noClient ?? 'The app that asks is not known here.')
      : `${asking ? 'The app' : 'For the app'} <code>${escapeHtml(parts.client)}</code>${asking ? ' asks' : ''}`;
  const script = parts.script ? `<script>${parts.script}</script>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${escapeHtml(parts.title)} · cdf-authflow emulator</title><style>${CSS}</style>${script}</head>
<body><div class="emu" id="emulator-banner" role="note"><strong>Local cdf-authflow emulator</strong> — this is not a real
identity provider. Test users only; nothing leaves 127.0.0.1.</div>
<main><div class="card ${parts.tone ?? 'ask'}"><p class="app" id="app">${app}</p>
<h1>${escapeHtml(parts.title)}</h1>
${parts.body}</div><footer>Served by the emulator's IdP (oidc-provider) for tests and demos.</footer></main></body></html>`;
}

/** The sign-in step: choose one of the emulator's users, then sign in or deny. */
export function loginPage(input: {
  readonly action: string;
  readonly users: readonly EmulatorUser[];
  readonly client: string;
  /** A user id or email to preselect (the request's `login_hint`). */
  readonly hint?: string | undefined;
}): string {
  const chosen = input.users.find((u) => u.id === input.hint || u.email === input.hint) ?? input.users[0];
  const users = input.users
    .map(
      (
        u,
      ) => `<label class="user"><input type="radio" name="user" value="${escapeHtml(u.id)}"${u === chosen ? ' checked' : ''}>
<span>${escapeHtml(u.name)}<small>${escapeHtml(u.email)} · id <code>${escapeHtml(u.id)}</code></small></span></label>`,
    )
    .join('\n');
  return page({
    title: 'Sign in',
    client: input.client,
    body: `<p>Choose who signs in to <code>${escapeHtml(input.client)}</code>. No password: these are the emulator's test users.</p>
<form method="post" action="${escapeHtml(input.action)}"><fieldset class="users"><legend class="note">Test users</legend>
${users}</fieldset>
<div class="actions"><button class="primary" name="action" value="approve" id="approve" autofocus>Sign in</button>
<button name="action" value="deny" id="deny">Deny</button></div></form>`,
  });
}

/** The consent step: what the app asks for, for the signed-in user; allow or deny. */
export function consentPage(input: {
  readonly action: string;
  readonly client: string;
  readonly user: string;
  readonly scopes: readonly string[];
  readonly resources: readonly string[];
}): string {
  const list = (items: readonly string[]) => items.map((item) => `<li><code>${escapeHtml(item)}</code></li>`).join('');
  const scopes = input.scopes.length > 0 ? `<p>Scopes:</p><ul class="scopes">${list(input.scopes)}</ul>` : '';
  const resources =
    input.resources.length > 0 ? `<p>For the API of:</p><ul class="scopes">${list(input.resources)}</ul>` : '';
  return page({
    title: 'Allow access?',
    client: input.client,
    body: `<p>Signed in as <strong>${escapeHtml(input.user)}</strong>. <code>${escapeHtml(input.client)}</code> asks to use your account.</p>
${scopes}${resources}
<form method="post" action="${escapeHtml(input.action)}"><div class="actions">
<button class="primary" name="action" value="approve" id="approve" autofocus>Allow</button>
<button name="action" value="deny" id="deny">Deny</button></div></form>`,
  });
}

/** A sign-in page visited again once its sign-in finished (Back from the app). */
export function finishedPage(client: string | null, outcome: string | null): string {
  return page({
    title: 'This sign-in already finished',
    client,
    tone: 'done',
    body: `<p id="finished">${outcome ? `${escapeHtml(outcome)} ` : ''}There is nothing more to do on this page.</p>
<p>Return to the app${client ? ` <code>${escapeHtml(client)}</code>` : ''}; you can close this tab. To sign in again, start from the app.</p>`,
  });
}

/** A sign-in page whose interaction the IdP no longer knows (expired, or never started here). */
export function expiredPage(): string {
  return page({
    title: 'This sign-in page has expired',
    client: null,
    tone: 'error',
    body: `<p id="finished">The emulator no longer knows this sign-in: it finished, timed out or was started in another browser.</p>
<p>Return to the app and start the sign-in again; you can close this tab.</p>`,
  });
}

/** An error at the IdP: what went wrong, in OAuth's words, and what to do. */
export function errorPage(input: {
  readonly client: string | null;
  readonly error: string;
  readonly description?: string | undefined;
}): string {
  const description = input.description ? `: ${escapeHtml(input.description)}` : '';
  return page({
    title: 'The sign-in cannot go on',
    client: input.client,
    tone: 'error',
    body: `<p class="problem" id="error"><code>${escapeHtml(input.error)}</code>${description}</p>
<p>Go back to the app and start the sign-in again. If it fails again, the app's request is wrong for this IdP
(its client id, redirect URI or parameters).</p>`,
  });
}

/** The device flow's first step: type the code the device shows (`form` is oidc-provider's, with its xsrf). */
export function deviceInputPage(form: string, problem: string | null, client: string | null): string {
  return page({
    title: problem ? 'Enter the code again' : 'Enter the code from your device',
    client,
    noClient: 'The app is named on the next page, once the code is entered.',
    tone: problem ? 'error' : 'ask',
    body: `${problem ? `<p class="problem" id="problem">${escapeHtml(problem)}</p>` : ''}
<p>Type the code that the app shows on your device (a terminal, a TV…).</p>${form}
<div class="actions"><button class="primary" type="submit" form="op.deviceInputForm" id="continue">Continue</button></div>`,
  });
}

/** The device flow's code taken from the link (`verification_uri_complete`): it submits itself. */
export function deviceLinkPage(action: string, xsrf: string, userCode: string): string {
  return page({
    title: 'Checking the code',
    client: null,
    noClient: 'The app is named on the next page.',
    body: `<p>The link carried the code:</p><div class="code">${escapeHtml(userCode)}</div>
<form id="op.deviceInputForm" method="post" action="${escapeHtml(action)}">
<input type="hidden" name="xsrf" value="${escapeHtml(xsrf)}"><input type="hidden" name="user_code" value="${escapeHtml(userCode)}">
<div class="actions"><button class="primary" type="submit" id="continue" autofocus>Continue</button></div></form>`,
    script: "document.addEventListener('DOMContentLoaded',()=>document.forms[0].submit())",
  });
}

/** The device flow's confirmation: is this the code on the device, for this app? (`form` is oidc-provider's.) */
export function deviceConfirmPage(form: string, client: string, userCode: string): string {
  return page({
    title: 'Is this the code on your device?',
    client,
    body: `<div class="code" id="user-code">${escapeHtml(userCode)}</div>
<p>Continue only if your device shows this code and you started the sign-in to <code>${escapeHtml(client)}</code>
there. Otherwise cancel: the device is told no.</p>${form}
<div class="actions"><button class="primary" type="submit" form="op.deviceConfirmForm" id="confirm" autofocus>Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes" id="abort">Cancel</button></div>`,
  });
}

/** The device flow's last page: signed in, back to the device. */
export function deviceSuccessPage(client: string | null): string {
  return page({
    title: 'Signed in: return to your device',
    client,
    tone: 'done',
    body: `<p id="done">The device now receives its tokens${client ? ` for <code>${escapeHtml(client)}</code>` : ''}.
You can close this tab.</p>`,
  });
}

/**
 * The sign-out question (`form` is oidc-provider's, with its xsrf): end the session at the IdP, or only the
 * app's sign-in. Without a person (headless), the page answers "everywhere" itself.
 */
export function logoutPage(form: string, client: string | null, answerItself: boolean): string {
  const app = client ? `<code>${escapeHtml(client)}</code>` : 'the app';
  return page({
    title: 'Sign out of the emulator too?',
    client,
    noClient: 'No app named itself.',
    body: `<p>${client ? `${app} signs you out. ` : ''}<strong>Sign out</strong> also ends your session at the emulator's IdP: every app must sign in again.</p>${form}
<div class="actions"><button class="primary" type="submit" form="op.logoutForm" name="logout" value="yes" id="logout" autofocus>Sign out</button>
<button type="submit" form="op.logoutForm" id="stay">${client ? 'Only this app' : 'Stay signed in'}</button></div>`,
    ...(answerItself
      ? {
          script:
            "document.addEventListener('DOMContentLoaded',()=>{const f=document.getElementById('op.logoutForm');const i=document.createElement('input');i.type='hidden';i.name='logout';i.value='yes';f.appendChild(i);f.submit()})",
        }
      : {}),
  });
}

/** After a sign-out that named no return address. */
export function logoutSuccessPage(client: string | null): string {
  return page({
    title: 'Signed out',
    client,
    noClient: 'Every app signed in here must sign in again.',
    tone: 'done',
    body: `<p id="done">${client ? `<code>${escapeHtml(client)}</code> signed you out` : 'You are signed out'} at the emulator's IdP. You can close this tab.</p>`,
  });
}
