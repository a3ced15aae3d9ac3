/** The IdP's few HTML pages: sign-in, device confirmation, errors. Everything interpolated is escaped. */
import type { IncomingMessage } from 'node:http';
import type { EmulatorUser } from './config.js';

export async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 65_536) throw new Error('form too large');
  }
  return body;
}

export function loginPage(action: string, users: readonly EmulatorUser[], prompt: string): string {
  const options = users
    .map((u) => `<option value="${escapeHtml(u.id)}">${escapeHtml(u.name)} (${escapeHtml(u.id)})</option>`)
    .join('');
  return page(
    'Emulator IdP',
    `<h1>Sign in to the emulator's IdP</h1><p>Step: ${escapeHtml(prompt)}</p>
<form method="post" action="${escapeHtml(action)}"><label>User <select name="user">${options}</select></label>
<button name="action" value="approve" id="approve">Sign in</button> <button name="action" value="deny" id="deny">Deny</button></form>`,
  );
}

export function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
