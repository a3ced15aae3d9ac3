/**
 * The browser driver in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
 * against the emulator and its real IdP. In CI a missing browser fails the run: nothing here skips.
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { launchChromium } from '../helpers/chromium.js';
import { closeAll, listenLocal } from '../helpers/http-server.js';

const root = path.resolve(import.meta.dirname, '../..');
const bundle = path.join(root, 'dist/browser/cdf-authflow.js');

const PAGES = [
  '/legacy.html',
  '/code.html',
  '/persist-session.html',
  '/persist-local.html',
  '/silent.html',
  '/rp-logout.html',
  '/tabs.html',
];

let emulator: Emulator;
let browser: Browser;
let app: http.Server;
let origin = '';

beforeAll(async () => {
  if (!existsSync(bundle)) throw new Error('dist/browser/cdf-authflow.js is missing: npm test builds it first');
  app = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (PAGES.includes(url.pathname)) {
      res.writeHead(200, { 'content-type': 'text/html', 'referrer-policy': 'no-referrer' });
      res.end(readFileSync(path.join(import.meta.dirname, 'fixtures/app.html')));
    } else if (url.pathname === '/cdf-authflow.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(bundle));
    } else if (url.pathname === '/config.js') {
      // leewayMs: every getToken() refreshes (/tabs.html sets its own: see fixtures/app.html).
      const config = {
        baseUrl: emulator.baseUrl,
        project: 'demo',
        issuer: emulator.issuer,
        clientId: emulator.clients.spa,
        leewayMs: 1e12,
      };
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(`export default ${JSON.stringify(config)};`);
    } else res.writeHead(404).end();
  });
  origin = await listenLocal(app);
  emulator = await startEmulator({
    // /tabs.html's leeway counts on this lifetime.
    accessTokenTtlMs: 600_000,
    spaRedirectUris: PAGES.filter((p) => p !== '/legacy.html').map((p) => `${origin}${p}`),
  });
  browser = await launchChromium();
}, 60_000);

afterAll(() => closeAll(browser, emulator, app));

/** A new browser context with one tab, signed in on `pathname`. */
async function signedInTab(pathname: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInOn(page, pathname);
  return { context, page };
}

async function signInOn(page: Page, pathname: string) {
  await page.goto(`${origin}${pathname}`);
  await expect.poll(() => page.textContent('#outcome'), { timeout: 30_000 }).toContain('"status":"none"');
  await page.click('#signin');
  await expect.poll(() => page.textContent('#state'), { timeout: 30_000 }).toBe('authenticated');
  return JSON.parse((await page.textContent('#outcome')) ?? '{}');
}

/** The page's handleRedirect outcome, once it is shown. */
async function outcomeOf(page: Page) {
  // Read once per poll: a document that is navigating away can be replaced between two reads.
  let outcome: { status?: string; [key: string]: unknown } = {};
  await expect
    .poll(
      async () => {
        const text = (await page.textContent('#outcome').catch(() => null)) ?? '';
        outcome = text.includes('"status"') ? JSON.parse(text) : {};
        return outcome.status;
      },
      { timeout: 30_000 },
    )
    .toBeDefined();
  return outcome;
}

/** What the tabs' store keeps in IndexedDB (database `cdf-authflow`, store `versions`). */
const storedVersions = (page: Page): Promise<unknown[]> =>
  page.evaluate(
    () =>
      new Promise<unknown[]>((resolve, reject) => {
        const request = indexedDB.open('cdf-authflow', 1);
        request.onupgradeneeded = () => request.result.createObjectStore('versions');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const all = request.result.transaction('versions').objectStore('versions').getAll();
          all.onsuccess = () => {
            request.result.close();
            resolve(all.result);
          };
        };
      }),
  );

const leftovers = (page: Page) =>
  page.evaluate(() => ({ url: location.href, storage: JSON.stringify(sessionStorage), length: history.length }));

describe('the browser driver in headless Chromium', () => {
  it.each([['/legacy.html'], ['/code.html']])(
    'signs in by redirect on %s, and leaves no token in the address bar, history or sessionStorage',
    async (pathname) => {
      const page = await browser.newPage();
      const outcome = await signInOn(page, pathname);
      expect(outcome).toMatchObject({ status: 'authenticated', again: 'authenticated', hasToken: true });
      const left = await leftovers(page);
      expect(left.url).toBe(`${origin}${pathname}`);
      expect(left.storage).toBe('{}');
      // Every history entry this tab has: none carries a token or a code.
      const seen: string[] = [];
      for (let i = 0; i < left.length - 1; i += 1) {
        await page.goBack({ waitUntil: 'load' }).catch(() => null);
        seen.push(page.url());
      }
      for (const url of seen) expect(url).not.toMatch(/access_token|id_token|code=|state=/);
      await page.close();
    },
  );

  it('turns a reload of the callback URL (or the Back button onto it) into an explicit stale callback', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/legacy.html?cdf_flow=old&access_token=a.b.c&id_token=d.e.f`);
    await expect.poll(() => page.textContent('#outcome'), { timeout: 30_000 }).toContain('"status":"staleCallback"');
    expect(page.url()).toBe(`${origin}/legacy.html`);
    expect(await page.textContent('#state')).toBe('anonymous');
    await page.close();
  });

  it('signs in in a popup: the popup posts the callback to this exact origin and closes', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/legacy.html?popup=1`);
    await expect.poll(() => page.textContent('#outcome'), { timeout: 30_000 }).toContain('"status":"none"');
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#signin')]);
    await expect.poll(() => page.textContent('#state'), { timeout: 30_000 }).toBe('authenticated');
    await expect.poll(() => popup.isClosed(), { timeout: 30_000 }).toBe(true);
    expect(
      await page.evaluate(() =>
        (window as unknown as { __login: { accessToken(): string | null } }).__login.accessToken(),
      ),
    ).toBeTruthy();
    expect(page.url()).toBe(`${origin}/legacy.html?popup=1`);
    expect((await leftovers(page)).storage).toBe('{}');
    await page.close();
  });

  it('ignores a callback message from anyone but its popup, and ends as cancelled when the person closes the popup', async () => {
    const page = await browser.newPage();
    // The popup never gets past the login URL: the person is still "signing in".
    let blocked = 0;
    await page.context().route(
      (url) => url.pathname === '/login/redirect',
      (route) => {
        blocked += 1;
        return route.abort();
      },
    );
    await page.goto(`${origin}/legacy.html?popup=1`);
    await expect.poll(() => page.textContent('#outcome'), { timeout: 30_000 }).toContain('"status":"none"');
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#signin')]);
    await expect.poll(() => blocked, { timeout: 30_000 }).toBeGreaterThan(0);
    // A forged callback from this page itself (not the popup): ignored, the flow keeps waiting.
    await page.evaluate(
      `window.postMessage({ type: 'cdf-authflow:callback', url: location.origin + '/legacy.html?cdf_flow=x&access_token=a.b.c&id_token=d.e.f' }, location.origin)`,
    );
    await page.waitForTimeout(300);
    expect(await page.textContent('#state')).toBe('authenticating');
    await popup.close();
    await expect.poll(() => page.textContent('#outcome'), { timeout: 30_000 }).toBe('error cancelled');
    expect(await page.textContent('#state')).toBe('anonymous');
    await page.context().unrouteAll();
    await page.close();
  });

  it('shares one session across tabs: a new tab adopts it, two tabs on a due token send one refresh, no token in web storage, logout in one logs out all', async () => {
    const context = await browser.newContext();
    const refreshes: string[] = [];
    const count = (request: import('playwright-core').Request) => {
      if (request.method() === 'POST' && (request.postData() ?? '').includes('grant_type=refresh_token'))
        refreshes.push(request.url());
    };
    const a = await context.newPage();
    a.on('request', count);
    await signInOn(a, '/tabs.html');
    const signedInAt = Date.now();
    const b = await context.newPage();
    b.on('request', count);
    await b.goto(`${origin}/tabs.html`);
    await expect.poll(() => b.textContent('#state'), { timeout: 30_000 }).toBe('authenticated');
    const first = await a.evaluate('window.__login.accessToken()');
    expect(await b.evaluate('window.__login.getToken()')).toBe(first);
    expect(refreshes).toEqual([]);
    // The token turns due 8 s after it was issued (before signedInAt): both tabs want a refresh at once.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, signedInAt + 9_000 - Date.now())));
    const [tokenA, tokenB] = await Promise.all([
      a.evaluate('window.__login.getToken()'),
      b.evaluate('window.__login.getToken()'),
    ]);
    expect(tokenA).toBe(tokenB);
    expect({ refreshes, first }).toMatchObject({ refreshes: [expect.stringMatching(/\/token$/)] });
    expect(tokenA).not.toBe(first);
    // No token reaches the disk: web storage holds nothing, IndexedDB the session's version id only.
    expect(await b.evaluate('JSON.stringify({ ...localStorage, ...sessionStorage })')).toBe('{}');
    expect(await storedVersions(b)).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/)]);
    await a.evaluate('window.__login.logout()');
    await expect.poll(() => b.textContent('#state'), { timeout: 30_000 }).toBe('anonymous');
    await expect(b.evaluate('window.__login.getToken()')).rejects.toThrow(/Not signed in/);
    await context.close();
  });

  it('turns the Back button in the middle of a flow into an explicit abandoned outcome', async () => {
    const page = await browser.newPage();
    // The IdP leg never completes: the person looks at the sign-in page and goes back.
    await page.route(
      (url) => url.pathname === '/login/redirect',
      (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>IdP sign-in page</p>' }),
    );
    await page.goto(`${origin}/legacy.html`);
    await expect.poll(() => page.textContent('#outcome'), { timeout: 30_000 }).toContain('"status":"none"');
    await page.click('#signin');
    await page.waitForURL(/\/login\/redirect/);
    await page.goBack({ waitUntil: 'load' });
    await expect.poll(() => page.textContent('#outcome'), { timeout: 30_000 }).toContain('"status":"abandoned"');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(await page.textContent('#state')).toBe('anonymous');
    await page.close();
  });

  it('refuses API keys unless the loudly named opt-in is passed', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/legacy.html`);
    // A string, so that the test runner does not rewrite the dynamic import.
    const result = await page.evaluate(`(async () => {
      const { assertApiKeyAllowedInBrowser } = await import('/cdf-authflow.js');
      try { assertApiKeyAllowedInBrowser({}); return 'allowed'; } catch (error) { return error.code; }
    })()`);
    expect(result).toBe('insecureEndpoint');
    await page.close();
  });
});

describe('a session that survives a reload, on the app choice', () => {
  it('memory (the default) keeps nothing: a reload is signed out, and no storage holds a token', async () => {
    const page = await browser.newPage();
    await signInOn(page, '/code.html');
    await page.reload();
    expect((await outcomeOf(page)).status).toBe('none');
    expect(await page.textContent('#state')).toBe('anonymous');
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }))).toBe('{}');
    // IndexedDB: at most the version id of the session before the reload, never a token.
    expect((await storedVersions(page)).every((value) => /^[0-9a-f]{32}$/.test(String(value)))).toBe(true);
    await page.close();
  });

  it('session: a reload is restored without a trip to the IdP; logout removes it', async () => {
    const page = await browser.newPage();
    await signInOn(page, '/persist-session.html');
    const idpBefore = emulator.idpRequests.length;
    await page.reload();
    expect(await outcomeOf(page)).toMatchObject({ status: 'restored', hasToken: true });
    expect(await page.textContent('#state')).toBe('authenticated');
    expect(emulator.idpRequests.length).toBe(idpBefore);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(['cdf-authflow:session:authorization-code']);
    await page.evaluate(() => (window as unknown as { __login: { logout(): void } }).__login.logout());
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });

  it('local: a new tab after the first was closed is restored, and its token still refreshes', async () => {
    const context = await browser.newContext();
    const first = await context.newPage();
    await signInOn(first, '/persist-local.html');
    await first.close();
    const second = await context.newPage();
    await second.goto(`${origin}/persist-local.html`);
    expect((await outcomeOf(second)).status).toBe('restored');
    const token = await second.evaluate(() =>
      (window as unknown as { __login: { getToken(): Promise<string> } }).__login.getToken(),
    );
    expect(token).toMatch(/^ey/);
    await context.close();
  });
});

describe('a silent sign-in with prompt=none', () => {
  it('with the IdP session alive, a new page load signs in without a click', async () => {
    const { context, page } = await signedInTab('/code.html');
    // Closed, so that the new page cannot simply adopt this tab's session over the BroadcastChannel.
    await page.close();
    const silent = await context.newPage();
    const prompts: Array<string | null> = [];
    silent.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/auth') prompts.push(url.searchParams.get('prompt'));
    });
    await silent.goto(`${origin}/silent.html`);
    await expect.poll(() => silent.textContent('#state'), { timeout: 30_000 }).toBe('authenticated');
    expect(prompts).toEqual(['none']);
    expect(new URL(silent.url()).search).toBe('');
    await context.close();
  });

  it('without an IdP session, login_required comes back as "not signed in", once: no loop', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    let authorizations = 0;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/auth') authorizations += 1;
    });
    // The first load answers `none` as it sends the tab to the IdP with prompt=none: read the load that comes back.
    const back = page.waitForRequest((request) => {
      const url = new URL(request.url());
      return url.pathname === '/silent.html' && url.searchParams.has('error');
    });
    await page.goto(`${origin}/silent.html`);
    await back;
    await page.waitForLoadState('load');
    expect((await outcomeOf(page)).status).toBe('none');
    expect(await page.textContent('#state')).toBe('anonymous');
    await page.reload();
    expect((await outcomeOf(page)).status).toBe('none');
    expect(authorizations).toBe(1);
    await context.close();
  });
});

describe('RP-initiated logout', () => {
  it('with postLogoutRedirectUri, logout ends the IdP session too and comes back: a silent sign-in then finds none', async () => {
    const { context, page } = await signedInTab('/rp-logout.html');
    const ended = page.waitForURL((url) => url.pathname === '/rp-logout.html' && url.search === '', {
      timeout: 30_000,
    });
    const seen: string[] = [];
    page.on('request', (request) => seen.push(new URL(request.url()).pathname));
    await page.evaluate(() => (window as unknown as { __login: { logout(): void } }).__login.logout());
    await page.waitForURL(/\/session\/end/, { timeout: 30_000 });
    await ended;
    expect(seen).toContain('/session/end/confirm');
    // The IdP session is gone: prompt=none now comes back with login_required.
    const silent = await context.newPage();
    // The first load answers `none` as it leaves for the IdP with prompt=none: read the load that comes back.
    let loads = 0;
    silent.on('load', () => {
      loads += 1;
    });
    await silent.goto(`${origin}/silent.html`);
    await expect.poll(() => loads, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => silent.textContent('#outcome'), { timeout: 30_000 }).toContain('"status":"none"');
    await expect.poll(() => silent.textContent('#state'), { timeout: 30_000 }).toBe('anonymous');
    await context.close();
  });
});
