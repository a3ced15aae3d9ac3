/**
 * The live statechart page in headless Chromium, as a person uses it: sign-ins by redirect, by popup,
 * with the login URL and with a device code (run by the page's server, approved in a second tab), a
 * denied consent, a cancelled device code, and reloads with and without a kept session. The page must
 * tell the story (timeline, coloured diagram, signed-in and failure panels, buttons that make sense),
 * draw every diagram with the same text size, and never show a token. `UPDATE_SCREENSHOTS=1` refreshes
 * docs/live-page.png, docs/live-page-failed.png and docs/live-page-device.png.
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
/** Every secret the page's server got from the IdP (the device flow runs in this process): tokens, device codes. */
const serverSecrets: string[] = [];
const realFetch = globalThis.fetch;

/** A device-code sign-in's states, in order: it waits and polls (maybe more than once) until approved. */
const DEVICE_STATES =
  /^idle requestingCode awaitingUser( polling awaitingUser)* polling validatingIdToken inspectingToken authenticated$/;

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
      return {
        baseUrl: emulator.baseUrl,
        issuer: emulator.issuer,
        clientId: emulator.clients.spa,
        project: 'demo',
        deviceClientId: emulator.clients.cli,
      };
    },
  });
  // The IdP's answers to the page's server, read on their way to the device flow (it uses globalThis.fetch).
  globalThis.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (emulator && url.origin === new URL(emulator.issuer).origin && /\/(token|device\/auth)$/.test(url.pathname)) {
      const body = (await response
        .clone()
        .json()
        .catch(() => ({}))) as Record<string, unknown>;
      for (const key of ['access_token', 'refresh_token', 'id_token', 'device_code']) {
        if (typeof body[key] === 'string') serverSecrets.push(body[key]);
      }
    }
    return response;
  };
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  globalThis.fetch = realFetch;
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
  // Exactly the IdP's heading: :text("Sign in") would also match the live page's own.
  await target.locator('h1', { hasText: /^Sign in$/ }).waitFor();
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
      ['signin-code', 'signin-legacy', 'signin-device', 'logout', 'opt-popup', 'opt-persist'].map((id) => [
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
    'signin-device': false,
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
    'signin-device': true,
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
  // At the IdP's sign-in page: `h1:text("Sign in")` would also match this page's own heading ("… sign in
  // and watch …", Playwright's :text() ignores case), and Back before the page left went nowhere.
  await page.waitForURL((url) => url.origin !== new URL(live.url).origin, { waitUntil: 'load' });
  await page.locator('h1', { hasText: /^Sign in$/ }).waitFor();
  await page.goBack({ waitUntil: 'load' });
  await expect.poll(() => page.textContent('#note'), { timeout: 30_000 }).toContain('without signing in');
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

/** The page's event stream from its server, as Chromium received it (the DevTools protocol's EventSource messages). */
async function watchStream(context: BrowserContext, page: Page): Promise<Array<{ eventName: string; data: string }>> {
  const messages: Array<{ eventName: string; data: string }> = [];
  const cdp = await context.newCDPSession(page);
  cdp.on('Network.eventSourceMessageReceived', (message) => messages.push(message));
  await cdp.send('Network.enable');
  return messages;
}

/** Starts a device-code sign-in on the page and reads the user code it shows. */
async function startDeviceCode(page: Page): Promise<string> {
  await page.click('#signin-device');
  await expect.poll(() => page.textContent('#device-user-code'), { timeout: 30_000 }).toMatch(/\S/);
  await expect.poll(() => dataset(page, 'deviceCode')).toMatch(/^(awaitingUser|polling)$/);
  return ((await page.textContent('#device-user-code')) ?? '').trim();
}

it("signs in with a device code run by the page's server: the user code, a countdown, the code approved in a second tab, never a token", async () => {
  const { context, page, tokens } = await freshTab();
  const stream = await watchStream(context, page);
  const secretsBefore = serverSecrets.length;
  const userCode = await startDeviceCode(page);
  expect(userCode.length).toBeGreaterThanOrEqual(6);
  expect(await page.isVisible('#device-panel')).toBe(true);
  expect(await buttons(page)).toMatchObject({ 'signin-code': true, 'signin-legacy': true, 'signin-device': true });
  expect(await page.isEnabled('#device-cancel')).toBe(true);
  expect(await page.textContent('#status')).toContain('Waiting for the code to be entered and approved');

  // The countdown to the code's expiry (the emulator's device codes live 10 minutes), ticking.
  expect(await page.textContent('#device-countdown')).toMatch(/^\d+:\d\d$/);
  const seconds = Number(await page.getAttribute('#device-countdown', 'data-seconds'));
  expect(seconds).toBeGreaterThan(500);
  expect(seconds).toBeLessThanOrEqual(600);
  await expect
    .poll(async () => Number(await page.getAttribute('#device-countdown', 'data-seconds')), { timeout: 5_000 })
    .toBeLessThan(seconds);

  // The verification page is the emulator's IdP on 127.0.0.1, in a new tab.
  const link = await page.getAttribute('#device-link', 'href');
  expect(new URL(link ?? '').origin).toBe(new URL(emulator?.issuer ?? '').origin);
  expect(await page.getAttribute('#device-link', 'target')).toBe('_blank');
  expect((await node(page, 'deviceCode', 'awaitingUser')).classes).toEqual(
    expect.arrayContaining(['visited', 'current']),
  );
  await screenshot(page, 'live-page-device.png');

  // The person, in a second tab: types the code, confirms it, signs in and allows the app.
  const [idp] = await Promise.all([context.waitForEvent('page'), page.click('#device-link')]);
  await idp.waitForSelector('input[name=user_code]');
  await idp.fill('input[name=user_code]', userCode);
  await idp.click('#continue');
  await idp.waitForSelector('#user-code');
  expect(await idp.textContent('#user-code')).toBe(userCode);
  await idp.click('#confirm');
  await atIdp(idp);
  await idp.waitForSelector('#done');

  // The server's next poll gets the tokens; the page hears the rest of the story. The page's tab in front
  // again, as the person would look at it: Chromium may hold a background tab's fill transition mid-way.
  await page.bringToFront();
  await expect.poll(() => dataset(page, 'ui'), { timeout: 30_000 }).toBe('authenticated');
  const states = await statesOf(page, 'deviceCode');
  expect(states.join(' ')).toMatch(DEVICE_STATES);
  const events = await page.$$eval('#timeline li[data-state] .event', (cells) => cells.map((cell) => cell.textContent));
  expect(events[1]).toContain('START');
  expect(events.at(-1)).toContain('done inspectToken');
  for (const state of new Set(states.map(String)))
    expect((await node(page, 'deviceCode', state)).classes).toContain('visited');
  expect((await node(page, 'deviceCode', 'authenticated')).classes).toEqual(
    expect.arrayContaining(['signed-in', 'current']),
  );
  await expect.poll(async () => (await node(page, 'deviceCode', 'authenticated')).fill).toBe(COLOURS.signedIn);
  await expect.poll(async () => (await node(page, 'deviceCode', 'polling')).fill).toBe(COLOURS.visited);
  expect((await node(page, 'deviceCode', 'failed')).classes).not.toContain('visited');
  expect(await page.locator('#diagram-deviceCode g.edge.taken').count()).toBeGreaterThanOrEqual(6);

  expect(await page.textContent('#signed-in-title')).toBe("Signed in with device code, by this page's server");
  expect(await fact(page, 'User')).toContain('Alice Example');
  expect(await fact(page, 'Subject (CDF)')).toBe('alice');
  expect(await fact(page, 'Project')).toMatch(/^demo \(the token reaches: .*demo/);
  expect(await fact(page, 'Scopes')).toContain('/.default');
  expect(await fact(page, 'Expires')).toMatch(/in \d+ min/);
  expect(await fact(page, 'Session kept')).toContain('nowhere');
  expect(await page.isVisible('#device-panel')).toBe(false);
  expect(await page.isVisible('#failure')).toBe(false);
  expect(await buttons(page)).toMatchObject({ 'signin-device': true, logout: false });

  // What the stream carried: the code, states and the non-secret facts; never a token or the device code.
  const names = stream.map((message) => message.eventName);
  expect(names[0]).toBe('flow');
  expect(names).toEqual(expect.arrayContaining(['code', 'state', 'done']));
  expect(names.at(-1)).toBe('end');
  const secrets = serverSecrets.slice(secretsBefore);
  expect(secrets.length).toBeGreaterThanOrEqual(3);
  const carried = JSON.stringify(stream);
  for (const secret of secrets) expect(carried).not.toContain(secret);
  expect(carried).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
  expect(tokens).toEqual([]);
  await expectNoToken(page, secrets);
  expect(outside).toEqual([]);

  await page.click('#logout');
  expect(await dataset(page, 'ui')).toBe('anonymous');
  expect(await buttons(page)).toMatchObject({ 'signin-device': false, 'signin-code': false, logout: true });
  await context.close();
});

it('cancels a device code while it waits: the server-side flow ends as cancelled, in plain words', async () => {
  const { context, page } = await freshTab();
  const stream = await watchStream(context, page);
  await startDeviceCode(page);
  await page.click('#device-cancel');
  await expect.poll(async () => (await statesOf(page, 'deviceCode')).at(-1), { timeout: 30_000 }).toBe('cancelled');
  await expect.poll(() => page.getAttribute('#failure', 'data-code')).toBe('cancelled');
  const states = await statesOf(page, 'deviceCode');
  expect(states.slice(0, 3)).toEqual(['idle', 'requestingCode', 'awaitingUser']);
  expect(states).not.toContain('authenticated');

  const panel = ((await page.textContent('#failure')) ?? '').replace(/\s+/g, ' ');
  expect(panel).toContain('The sign-in was cancelled (device code)');
  expect(panel).toContain('cancelled before it finished (Cancel was pressed');
  expect(panel).toContain('What to do: Sign in again when you are ready.');
  expect(await page.textContent('#status')).toBe('The sign-in was cancelled. What that means is below.');
  expect((await node(page, 'deviceCode', 'cancelled')).classes).toEqual(expect.arrayContaining(['visited', 'current']));
  expect(await page.isVisible('#device-panel')).toBe(false);
  expect(await page.isVisible('#signed-in')).toBe(false);
  expect(await dataset(page, 'ui')).toBe('anonymous');
  expect(await buttons(page)).toMatchObject({ 'signin-device': false, 'signin-code': false, logout: true });
  await expect.poll(() => stream.map((message) => message.eventName).at(-1)).toBe('end');
  expect(stream.find((message) => message.eventName === 'failed')?.data).toContain('"code":"cancelled"');
  expect(outside).toEqual([]);
  await context.close();
});

it('draws every diagram at its natural size: the same text size in each, wide ones scroll sideways in their box', async () => {
  const { context, page } = await freshTab();
  const drawn = await page.$$eval('.diagram', (boxes) =>
    boxes.map((box) => {
      const svg = box.querySelector('svg') as SVGSVGElement;
      const text = box.querySelector('g.node[id="state-idle"] text') as SVGTextElement;
      const edge = box.querySelector('g.edge text') as SVGTextElement;
      return {
        id: box.id,
        // Graphviz's size is in pt: drawn at scale 1, a pt is 4/3 of a CSS pixel.
        scale: svg.getBoundingClientRect().width / ((Number.parseFloat(svg.getAttribute('width') ?? '') * 4) / 3),
        ctm: svg.getScreenCTM()?.a ?? 0,
        nodeText: text.getBoundingClientRect().height,
        edgeText: edge.getBoundingClientRect().height,
        scrolls: box.scrollWidth > box.clientWidth,
      };
    }),
  );
  expect(drawn.map((d) => d.id)).toEqual(['diagram-authorizationCode', 'diagram-loginUrl', 'diagram-deviceCode']);
  for (const d of drawn) {
    expect(d.scale).toBeCloseTo(1, 2);
    expect(d.ctm).toBeCloseTo(4 / 3, 3);
    expect(d.nodeText).toBeCloseTo(drawn[0]?.nodeText ?? 0, 1);
    expect(d.edgeText).toBeCloseTo(drawn[0]?.edgeText ?? 0, 1);
    expect(d.edgeText).toBeLessThan(d.nodeText);
  }
  // The code + PKCE machine is wider than the page: its box scrolls, the page does not.
  expect(drawn[0]?.scrolls).toBe(true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await context.close();
});
