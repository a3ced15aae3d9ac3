/**
 * The live statechart page in headless Chromium, as a person uses it: sign-ins by redirect, by popup and
 * with the login URL, a denied consent, and reloads with and without a kept session. The page must tell
 * the story (timeline, coloured diagram, signed-in and failure panels, buttons that make sense) and never
 * show the token. `UPDATE_SCREENSHOTS=1` refreshes docs/live-page.png and docs/live-page-failed.png.
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type LivePage, startLivePage } from '../../src/viz/live-page.js';
import { launchChromium } from '../helpers/chromium.js';

let browser: Browser;
let live: LivePage;
let emulator: Emulator | undefined;
const outside: string[] = [];

/** The states of a code + PKCE sign-in by redirect, in order: the first four before the page leaves. */
const CODE_STATES = [
  'idle',
  'discovering',
  'redirectingToIdp',
  'awaitingCallback',
  'exchangingCode',
  'validatingIdToken',
  'inspectingToken',
  'authenticated',
];

/** The legend's colours, as the browser computes them for a node's shape. */
const COLOURS = {
  visited: 'rgb(221, 244, 255)',
  failed: 'rgb(255, 235, 233)',
  signedIn: 'rgb(218, 251, 225)',
};

beforeAll(async () => {
  live = await startLivePage({
    configure: async (origin) => {
      emulator = await startEmulator({ headless: false, spaRedirectUris: [`${origin}/`] });
      return { baseUrl: emulator.baseUrl, issuer: emulator.issuer, clientId: emulator.clients.spa, project: 'demo' };
    },
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await live?.close();
  await emulator?.close();
});

interface Tab {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every access token that reached the browser (the IdP's token answers, the login URL's callback). */
  readonly tokens: string[];
}

/** A tab in a fresh browser (no IdP session, empty storage) on the live page, every request watched. */
async function freshTab(): Promise<Tab> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const tokens: string[] = [];
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.hostname !== '127.0.0.1') outside.push(request.url());
    const legacy = url.searchParams.get('access_token');
    if (legacy) tokens.push(legacy);
  });
  // The IdP's token answers, read on their way to the page (CDP may no longer hold a body once it was read).
  await context.route(
    (url) => url.pathname === '/token',
    async (route) => {
      const response = await route.fetch();
      const body = (await response.json().catch(() => ({}))) as { access_token?: unknown };
      if (typeof body.access_token === 'string') tokens.push(body.access_token);
      await route.fulfill({ response });
    },
  );
  const page = await context.newPage();
  await page.goto(live.url);
  await expect.poll(() => page.locator('#diagram-authorizationCode svg g.node').count()).toBeGreaterThan(8);
  await expect.poll(() => page.evaluate(() => document.body.dataset.ui)).toBe('anonymous');
  return { context, page, tokens };
}

/** The emulator's IdP pages, as a person: sign in as the preselected user, then allow (or deny) the app. */
async function atIdp(target: Page, consent: 'approve' | 'deny' = 'approve'): Promise<void> {
  await target.waitForSelector('h1:text("Sign in")');
  await target.click('#approve');
  const next = await target.waitForSelector('h1:text("Allow access?"), #signin-code');
  if ((await next.textContent())?.includes('Allow access?')) await target.click(`#${consent}`);
}

const dataset = (page: Page, key: string) => page.evaluate((name) => document.body.dataset[name], key);
const statesOf = (page: Page, machine: string) =>
  page.$$eval(`#timeline li[data-machine=${machine}]`, (rows) => rows.map((row) => (row as HTMLElement).dataset.state));
const fact = (page: Page, label: string) => page.textContent(`#signed-in-facts dd[data-fact="${label}"]`);
const buttons = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      ['signin-code', 'signin-legacy', 'logout', 'opt-popup', 'opt-persist'].map((id) => [
        id,
        (document.getElementById(id) as HTMLButtonElement | HTMLInputElement).disabled,
      ]),
    ),
  );
/** The fill of a state's shape in a diagram, and its classes. */
const node = (page: Page, machine: string, state: string) =>
  page.$eval(`#diagram-${machine} #state-${state}`, (g) => ({
    classes: [...g.classList],
    fill: getComputedStyle(g.querySelector('path, polygon, ellipse') as Element).fill,
  }));

/** No token anywhere the person (or a screenshot) can see, nor in the DOM or the tab's storage. */
async function expectNoToken(page: Page, tokens: readonly string[]): Promise<void> {
  expect(tokens.length).toBeGreaterThan(0);
  const shown = await page.evaluate(() => ({
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, as the person sees it, is the point
    text: document.body.innerText,
    html: document.documentElement.outerHTML,
    storage: Object.keys(sessionStorage)
      .map((key) => `${key}=${sessionStorage.getItem(key)}`)
      .join('\n'),
  }));
  for (const token of tokens) {
    expect(shown.text).not.toContain(token);
    expect(shown.html).not.toContain(token);
    expect(shown.storage).not.toContain(token);
  }
  expect(shown.text).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
}

/** A code + PKCE sign-in by redirect, through the IdP's pages, until the page says authenticated. */
async function signInWithCode(page: Page): Promise<void> {
  await page.click('#signin-code');
  await atIdp(page);
  await page.waitForURL(live.url, { waitUntil: 'load' });
  await expect.poll(() => dataset(page, 'ui'), { timeout: 30_000 }).toBe('authenticated');
  await expect.poll(() => statesOf(page, 'authorizationCode')).toEqual(CODE_STATES);
}

/** docs/ on demand (UPDATE_SCREENSHOTS=1), reports/ otherwise, so that a test run leaves the tree clean. */
async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs' : 'reports';
  await page.screenshot({ path: path.resolve(import.meta.dirname, '../..', dir, name), fullPage: true });
}

it('tells the story of a code + PKCE sign-in by redirect: timeline, visited states, who is signed in, never the token', async () => {
  const { context, page, tokens } = await freshTab();
  expect(await buttons(page)).toEqual({
    'signin-code': false,
    'signin-legacy': false,
    logout: true,
    'opt-popup': false,
    'opt-persist': false,
  });
  await signInWithCode(page);
  expect(page.url()).toBe(live.url);

  // The part before the redirect was replayed from the page's own log, the rest came live.
  const replayed = await page.$$eval('#timeline li.replayed', (rows) => rows.map((row) => row.dataset.state));
  expect(replayed).toEqual(CODE_STATES.slice(0, 4));
  const times = await page.$$eval('#timeline li[data-state] .at', (cells) => cells.map((cell) => cell.textContent));
  expect(times[0]).toBe('+0 ms');
  expect(times.every((time) => /^\+\d+ ms$/.test(time ?? ''))).toBe(true);
  const events = await page.$$eval('#timeline li[data-state] .event', (cells) => cells.map((cell) => cell.textContent));
  expect(events[1]).toContain('START');
  expect(events[4]).toContain('CALLBACK');

  for (const state of CODE_STATES) {
    expect((await node(page, 'authorizationCode', state)).classes).toContain('visited');
  }
  const signedIn = await node(page, 'authorizationCode', 'authenticated');
  expect(signedIn.classes).toEqual(expect.arrayContaining(['signed-in', 'current']));
  // Polled: the colours fade in (a short CSS transition).
  await expect.poll(async () => (await node(page, 'authorizationCode', 'authenticated')).fill).toBe(COLOURS.signedIn);
  await expect.poll(async () => (await node(page, 'authorizationCode', 'discovering')).fill).toBe(COLOURS.visited);
  expect((await node(page, 'authorizationCode', 'failed')).classes).not.toContain('visited');
  expect(await page.locator('#diagram-authorizationCode g.edge.taken').count()).toBeGreaterThanOrEqual(7);
  expect(await page.isVisible('#legend')).toBe(true);

  await expect.poll(() => fact(page, 'Groups')).toBe('2 in demo');
  expect(await page.textContent('#signed-in-title')).toBe('Signed in with code + PKCE, by a redirect');
  expect(await fact(page, 'User')).toContain('Alice Example');
  expect(await fact(page, 'Subject (CDF)')).toBe('alice');
  expect(await fact(page, 'Project')).toMatch(/^demo \(the token reaches: .*demo/);
  expect(await fact(page, 'Scopes')).toContain('/.default');
  expect(await fact(page, 'Expires')).toMatch(/in \d+ min/);
  expect(await page.isVisible('#failure')).toBe(false);
  expect(await buttons(page)).toEqual({
    'signin-code': true,
    'signin-legacy': true,
    logout: false,
    'opt-popup': true,
    'opt-persist': true,
  });

  const logText = (await page.textContent('#log')) ?? '';
  expect(logText).toContain('CALLBACK');
  expect(logText).toContain('[redacted]');
  await expectNoToken(page, tokens);
  expect(outside).toEqual([]);
  await screenshot(page, 'live-page.png');

  await page.click('#logout');
  expect(await dataset(page, 'ui')).toBe('anonymous');
  expect(await page.isVisible('#signed-in')).toBe(false);
  expect(await buttons(page)).toMatchObject({ 'signin-code': false, 'signin-legacy': false, logout: true });
  await context.close();
});

it('says in plain words why a denied consent failed, where it happened, and colours `failed` as a failure', async () => {
  const { context, page, tokens } = await freshTab();
  await page.click('#signin-code');
  await atIdp(page, 'deny');
  await page.waitForURL(live.url, { waitUntil: 'load' });
  await expect.poll(() => dataset(page, 'ui'), { timeout: 30_000 }).toBe('failed');
  await expect.poll(() => statesOf(page, 'authorizationCode')).toEqual([...CODE_STATES.slice(0, 4), 'failed']);

  expect(await page.getAttribute('#failure', 'data-code')).toBe('accessDenied');
  const panel = ((await page.textContent('#failure')) ?? '').replace(/\s+/g, ' ');
  expect(panel).toContain('The sign-in failed (code + PKCE): accessDenied');
  expect(panel).toContain('access was not granted to this app');
  expect(panel).toContain('What to do: Sign in again and allow access');
  expect(panel).toContain('Where it happened');
  expect(await page.textContent('#failure-where dd[data-fact=state]')).toBe('awaitingCallback');
  expect(await page.textContent('#failure-where dd[data-fact=event]')).toBe('CALLBACK');
  expect(await page.textContent('#failure-where dd[data-fact="IdP error"]')).toBe('access_denied');

  const failed = await node(page, 'authorizationCode', 'failed');
  expect(failed.classes).toEqual(expect.arrayContaining(['failed', 'visited', 'current']));
  await expect.poll(async () => (await node(page, 'authorizationCode', 'failed')).fill).toBe(COLOURS.failed);
  expect((await node(page, 'authorizationCode', 'authenticated')).classes).not.toContain('visited');
  expect(await page.isVisible('#signed-in')).toBe(false);
  // Failed is not signed in: try again, nothing to sign out of.
  expect(await buttons(page)).toMatchObject({ 'signin-code': false, 'signin-legacy': false, logout: true });
  expect(tokens).toEqual([]);
  expect(outside).toEqual([]);
  await screenshot(page, 'live-page-failed.png');
  await context.close();
});

it('signs in through a popup: the page never leaves, and the whole flow lights up live', async () => {
  const { context, page, tokens } = await freshTab();
  await page.check('#opt-popup');
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#signin-code')]);
  expect(await buttons(page)).toMatchObject({ 'signin-code': true, 'signin-legacy': true, 'opt-popup': true });
  await atIdp(popup);
  await expect.poll(() => dataset(page, 'ui'), { timeout: 30_000 }).toBe('authenticated');
  await expect.poll(() => statesOf(page, 'authorizationCode')).toEqual(CODE_STATES);
  expect(await page.locator('#timeline li.replayed').count()).toBe(0);
  expect(await page.textContent('#signed-in-title')).toBe('Signed in with code + PKCE, by a popup');
  await expect.poll(() => fact(page, 'Subject (CDF)')).toBe('alice');
  expect(page.url()).toBe(live.url);
  await expect.poll(() => popup.isClosed()).toBe(true);
  await expectNoToken(page, tokens);
  expect(outside).toEqual([]);
  await context.close();
});

it('signs in with the CDF login URL: its own diagram and timeline, the user and the project', async () => {
  const { context, page, tokens } = await freshTab();
  await page.click('#signin-legacy');
  await atIdp(page);
  await page.waitForURL(live.url, { waitUntil: 'load' });
  await expect.poll(() => dataset(page, 'ui'), { timeout: 30_000 }).toBe('authenticated');
  await expect.poll(() => dataset(page, 'loginUrl')).toBe('authenticated');
  const states = await statesOf(page, 'loginUrl');
  expect(states[0]).toBe('idle');
  expect(states).toContain('awaitingCallback');
  expect(states.at(-1)).toBe('authenticated');
  expect((await node(page, 'loginUrl', 'authenticated')).classes).toContain('signed-in');
  expect(await page.textContent('#signed-in-title')).toBe('Signed in with login URL, by a redirect');
  expect(await fact(page, 'User')).toBe('alice');
  await expect.poll(() => fact(page, 'Groups')).toBe('2 in demo');
  expect(await fact(page, 'Project')).toContain('demo');
  expect(await buttons(page)).toMatchObject({ 'signin-code': true, 'signin-legacy': true, logout: false });
  await expectNoToken(page, tokens);
  expect(outside).toEqual([]);
  await context.close();
});

it('Back from the sign-in page: the steps so far are replayed once, the page says nothing was kept, and the buttons are free again', async () => {
  const { context, page } = await freshTab();
  await page.click('#signin-code');
  await page.waitForSelector('h1:text("Sign in")');
  await page.goBack({ waitUntil: 'load' });
  await expect.poll(() => page.textContent('#note')).toContain('without signing in');
  await expect.poll(() => statesOf(page, 'authorizationCode')).toEqual(CODE_STATES.slice(0, 4));
  expect(await dataset(page, 'ui')).toBe('anonymous');
  // Locked while the replay runs, then free again.
  await expect.poll(() => buttons(page)).toMatchObject({ 'signin-code': false, 'signin-legacy': false, logout: true });
  // A dropped flow is not replayed again.
  await page.reload({ waitUntil: 'load' });
  await expect.poll(() => dataset(page, 'ui')).toBe('anonymous');
  await page.waitForTimeout(300);
  expect(await page.locator('#timeline li').count()).toBe(0);
  expect(outside).toEqual([]);
  await context.close();
});

it('says why a reload signed the person out when the session lives in memory only', async () => {
  const { context, page } = await freshTab();
  await signInWithCode(page);
  await page.reload({ waitUntil: 'load' });
  await expect.poll(() => page.textContent('#note')).toContain('Signed out by the reload');
  expect(await page.textContent('#note')).toContain("persist: 'memory'");
  expect(await page.textContent('#note')).toContain("Tick 'keep the session across reloads' to keep it.");
  expect(await dataset(page, 'ui')).toBe('anonymous');
  expect(await buttons(page)).toMatchObject({ 'signin-code': false, logout: true, 'opt-persist': false });
  expect(outside).toEqual([]);
  await context.close();
});

it("keeps the session across a reload when 'keep the session' is ticked, and says so", async () => {
  const { context, page, tokens } = await freshTab();
  await page.check('#opt-persist');
  await signInWithCode(page);
  expect(await fact(page, 'Session kept')).toContain("persist: 'session'");
  await page.reload({ waitUntil: 'load' });
  await expect.poll(() => dataset(page, 'ui'), { timeout: 30_000 }).toBe('authenticated');
  expect(await page.isChecked('#opt-persist')).toBe(true);
  expect(await page.textContent('#note')).toContain('The session was restored after the reload');
  expect(await page.textContent('#signed-in-title')).toBe('Signed in with code + PKCE, restored after the reload');
  await expect.poll(() => fact(page, 'Subject (CDF)')).toBe('alice');
  expect(await buttons(page)).toMatchObject({ 'signin-code': true, logout: false });
  expect(await page.textContent('#ui')).toBe('authenticated');
  // The library keeps the session in sessionStorage (the app's choice); the page's text never holds it.
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, as the person sees it, is the point
  const text = await page.evaluate(() => document.body.innerText);
  for (const token of tokens) expect(text).not.toContain(token);
  expect(outside).toEqual([]);
  await context.close();
});
