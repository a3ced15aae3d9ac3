/**
 * The page the person's browser shows after `cdf-auth login` tells the same story as the terminal: who
 * signed in to which project at which IdP, or the failure in the words the CLI prints, its code and where
 * it happened; never a token or the code. The browser is a real HTTP client started through $BROWSER, as
 * the CLI starts a person's browser: it follows the redirects and reads the callback's page to the end.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/protocol/html.js';
import { emulatorCli } from '../helpers/cli-suite.js';

const { cli, person, emulator, home } = await emulatorCli({ prefix: 'cdf-auth-loopback-page-', reset: true });

const dir = await mkdtemp(path.join(tmpdir(), 'cdf-auth-browser-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The person's browser: follows redirects with cookies, then writes the callback URL and the last page to $PAGE_FILE. */
const BROWSER_SCRIPT = `
import { writeFileSync } from 'node:fs';
import { CookieJar } from ${JSON.stringify(import.meta.resolve('tough-cookie'))};
const jar = new CookieJar();
let url = process.argv[2];
for (let hop = 0; hop < 30; hop += 1) {
  const cookie = await jar.getCookieString(url);
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  for (const set of res.headers.getSetCookie()) await jar.setCookie(set, url, { ignoreError: true });
  const location = res.headers.get('location');
  if (res.status >= 300 && res.status < 400 && location) {
    url = new URL(location, url).toString();
    continue;
  }
  const body = await res.text();
  writeFileSync(process.env.PAGE_FILE, JSON.stringify({ url, status: res.status, body }));
  break;
}
`;
const script = path.join(dir, 'browser.mjs');
await writeFile(script, BROWSER_SCRIPT);

interface Page {
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

/** Runs `cdf-auth` with the browser above; answers what it printed and the page the browser got. */
async function signIn(args: string[]) {
  const file = path.join(dir, `page-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const run = await cli(args, { BROWSER: `${process.execPath} ${script}`, PAGE_FILE: file });
  let page: Page | undefined;
  for (let i = 0; i < 200 && page === undefined; i += 1) {
    page = await readFile(file, 'utf8').then(
      (text) => JSON.parse(text) as Page,
      () => undefined,
    );
    if (page === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { ...run, page };
}

/** The code and message of the CLI's failure line, `cdf-auth: CODE: MESSAGE`. */
const failureLine = (err: string) => {
  const [, code, message] = /^cdf-auth: (\w+): (.*)$/m.exec(err) ?? [];
  return { code, message };
};
const row = (label: string, value: string) => `<dt>${label}</dt><dd><code>${escapeHtml(value)}</code></dd>`;
const expectWhole = (page: Page | undefined, status: number) => {
  expect(page?.status).toBe(status);
  expect(page?.body).toMatch(/^<!doctype html>.*<\/html>$/s);
  expect(page?.body).toContain('<meta name="referrer" content="no-referrer">');
  const code = new URL(page?.url ?? 'http://x/').searchParams.get('code');
  expect(code).toBeTruthy();
  expect(page?.body).not.toContain(code);
};
const codeFlow = (...extra: string[]) => [...person(), '--flow', 'authorization-code', ...extra];

describe('cdf-auth login: the browser’s page says what the terminal says', () => {
  it('signed in: who, which project, which IdP; none of the tokens the cache holds', async () => {
    const run = await signIn(codeFlow('--project', 'demo'));
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^Signed in as alice to project demo/);
    expectWhole(run.page, 200);
    expect(run.page?.body).toContain('<h1 class="ok">Signed in</h1>');
    expect(run.page?.body).toContain('<dt>User</dt><dd><code>alice');
    expect(run.page?.body).toContain(row('Project', 'demo'));
    expect(run.page?.body).toContain(row('Identity provider', new URL(emulator.issuer).host));
    const tokenFile = (await readdir(home())).find((f) => f.startsWith('tokens-')) ?? '';
    const { tokens } = JSON.parse(await readFile(path.join(home(), tokenFile), 'utf8'));
    for (const token of [tokens.accessToken, tokens.refreshToken, tokens.idToken]) {
      expect(token).toBeTruthy();
      expect(run.page?.body).not.toContain(token);
    }
  });

  it('CDF does not list the project: the same reason as the terminal, the code, the state', async () => {
    const run = await signIn(codeFlow('--project', 'no-such-project'));
    const { code, message } = failureLine(run.err);
    expect(code).toBe('projectMismatch');
    expectWhole(run.page, 400);
    expect(run.page?.body).toContain(escapeHtml(message ?? '\0'));
    expect(run.page?.body).toContain(row('Code', 'projectMismatch'));
    expect(run.page?.body).toContain(row('State', 'inspectingToken'));
    expect(run.page?.body).not.toMatch(/cancel/i);
  });

  it('CDF refuses the token (another audience): the terminal’s hint, word for word', async () => {
    emulator.fault({ path: '/api/v1/token/inspect', status: 401 });
    const run = await signIn(codeFlow('--project', 'demo'));
    const { code, message } = failureLine(run.err);
    expect(code).toBe('tokenRejected');
    expect(message).toMatch(/most likely for another audience/);
    expectWhole(run.page, 400);
    expect(run.page?.body).toContain(escapeHtml(message ?? '\0'));
    expect(run.page?.body).not.toMatch(/cancel/i);
  });

  it('regression: --timeout passing while CDF stalls says timeout on the page too, not "cancelled"', async () => {
    emulator.fault({ path: '/api/v1/token/inspect', stall: true });
    const run = await signIn(codeFlow('--project', 'demo', '--timeout', '2'));
    expect(failureLine(run.err).code).toBe('timeout');
    expectWhole(run.page, 400);
    expect(run.page?.body).not.toMatch(/cancel/i);
    expect(run.page?.body).toContain(row('Code', 'timeout'));
  });
});
