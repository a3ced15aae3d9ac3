/**
 * The emulator IdP's pages as a person sees them, in real headless Chromium: sign-in and consent, the
 * device flow's code entry, confirmation and success, error pages, sign-out, and Back after a sign-in.
 * Each says it is the local emulator, names the app, keeps oidc-provider's form fields and makes Chromium
 * load nothing from outside 127.0.0.1. `UPDATE_SCREENSHOTS=1` refreshes docs/emulator-sign-in.png and
 * docs/emulator-device.png.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consentPage,
  deviceConfirmPage,
  errorPage,
  finishedPage,
  loginPage,
  logoutPage,
} from '../../src/emulator/idp-pages.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { createOidcClient } from '../../src/protocol/oidc.js';
import { launchChromium } from '../helpers/chromium.js';
import { closeAll, listenLocal } from '../helpers/http-server.js';

// As vitest.config.ts does for test/browser/: without Debian's Chromium (and not in CI) these are left out.
const withoutBrowser = !existsSync('/usr/bin/chromium') && !process.env.CI;
const update = process.env.UPDATE_SCREENSHOTS === '1';

let browser: Browser;
let emulator: Emulator;
let headless: Emulator;
let app: http.Server;
let callback: string;

beforeAll(async () => {
  if (withoutBrowser) return;
  // The app the IdP sends the person back to: a page of its own on 127.0.0.1.
  app = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end('<!doctype html><title>The app</title><p id="the-app">Back in the app.</p>');
  });
  callback = `${await listenLocal(app)}/callback`;
  emulator = await startEmulator({ headless: false, spaRedirectUris: [callback] });
  headless = await startEmulator({ spaRedirectUris: [callback] });
  browser = await launchChromium();
}, 60_000);

afterAll(() => closeAll(browser, emulator, headless, app));

/** A fresh browser context (no cookies) whose every request off 127.0.0.1 is kept. */
async function freshTab(): Promise<{ context: BrowserContext; page: Page; outside: string[] }> {
  const context = await browser.newContext({ viewport: { width: 760, height: 720 } });
  const outside: string[] = [];
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.hostname !== '127.0.0.1') outside.push(request.url());
  });
  return { context, page: await context.newPage(), outside };
}

/** The SPA client's authorization URL at this emulator, PKCE and all. */
async function authorizationUrl(at: Emulator, extra: Record<string, string> = {}): Promise<string> {
  const client = createOidcClient({ issuer: at.issuer, clientId: at.clients.spa });
  return client.authorizationUrl({
    redirectUri: callback,
    scope: 'openid profile',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    codeVerifier: randomBytes(32).toString('base64url'),
    params: extra,
  });
}

/** What every page of the emulator's IdP has: the banner, the app line, no referrer, nothing from a URL. */
async function expectEmulatorPage(page: Page, client: string | null): Promise<void> {
  const banner = (await page.textContent('#emulator-banner')) ?? '';
  expect(banner).toContain('cdf-authflow emulator');
  expect(banner).toContain('not a real');
  const appLine = (await page.textContent('#app')) ?? '';
  if (client) expect(appLine).toContain(client);
  expect(await page.getAttribute('meta[name=referrer]', 'content')).toBe('no-referrer');
  expect(await page.locator('link, img, iframe, script[src], [style*="url("]').count()).toBe(0);
  const css = await page.locator('style').allTextContents();
  expect(css.join('')).not.toMatch(/@import|url\(/);
}

/** The page as PNG: written to docs/ with UPDATE_SCREENSHOTS=1, otherwise only taken. */
async function screenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({
    fullPage: true,
    ...(update ? { path: path.resolve(import.meta.dirname, '../../docs', name) } : {}),
  });
  expect(png.subarray(1, 4).toString()).toBe('PNG');
}

describe.skipIf(withoutBrowser)("the emulator IdP's pages in headless Chromium", () => {
  it('sign in: choose a user, then consent, lands in the app; Back says the sign-in already finished', async () => {
    const { context, page, outside } = await freshTab();
    await page.goto(await authorizationUrl(emulator, { login_hint: 'bob' }));
    await page.waitForSelector('#approve');
    await expectEmulatorPage(page, 'spa');
    expect(await page.textContent('h1')).toBe('Sign in');
    expect(await page.locator('input[type=radio][name=user]').count()).toBe(emulator.users.length);
    expect(await page.isChecked('input[name=user][value=bob]')).toBe(true);
    expect(await page.getAttribute('#approve', 'name')).toBe('action');
    expect(await page.getAttribute('#deny', 'value')).toBe('deny');
    await page.check('input[name=user][value=alice]');
    await screenshot(page, 'emulator-sign-in.png');
    await page.click('#approve');

    await page.waitForSelector('h1:text("Allow access?")');
    await expectEmulatorPage(page, 'spa');
    expect(await page.textContent('.card')).toContain('Alice Example (alice)');
    expect(await page.textContent('.card')).toContain('openid');
    await page.click('#approve');

    await page.waitForSelector('#the-app');
    const landed = new URL(page.url());
    expect(landed.pathname).toBe('/callback');
    expect(landed.searchParams.get('code')).toBeTruthy();

    // The person presses Back from the app: the consent page, then the sign-in page, both done.
    await page.goBack();
    await page.waitForSelector('#finished');
    await expectEmulatorPage(page, 'spa');
    expect(await page.textContent('h1')).toBe('This sign-in already finished');
    expect(await page.textContent('#finished')).toContain('You allowed the app access.');
    expect(await page.locator('form').count()).toBe(0);
    await page.goBack();
    await page.waitForSelector('#finished:has-text("You signed in as Alice Example.")');
    expect(await page.textContent('h1')).toBe('This sign-in already finished');
    expect(outside).toEqual([]);
    await context.close();
  });

  it('Deny sends the app access_denied; Back says the sign-in finished, declined', async () => {
    const { context, page, outside } = await freshTab();
    await page.goto(await authorizationUrl(emulator));
    await page.waitForSelector('#deny');
    await page.click('#deny');
    await page.waitForSelector('#the-app');
    const landed = new URL(page.url());
    expect(landed.searchParams.get('error')).toBe('access_denied');
    expect(landed.searchParams.get('code')).toBeNull();
    await page.goBack();
    await page.waitForSelector('#finished');
    expect(await page.textContent('#finished')).toContain('You declined');
    expect(outside).toEqual([]);
    await context.close();
  });

  it('error pages: a wrong redirect URI names the app; an unknown client and a stale sign-in page say what to do', async () => {
    const { context, page, outside } = await freshTab();
    const wrong = new URL(await authorizationUrl(emulator));
    wrong.searchParams.set('redirect_uri', 'http://127.0.0.1:9/elsewhere');
    const answer = await page.goto(wrong.toString());
    expect(answer?.status()).toBe(400);
    await expectEmulatorPage(page, 'spa');
    expect(await page.textContent('h1')).toBe('The sign-in cannot go on');
    expect(await page.textContent('#error')).toContain('invalid_redirect_uri');

    const unknown = new URL(wrong);
    unknown.searchParams.set('client_id', '<b>nobody</b>');
    await page.goto(unknown.toString());
    await expectEmulatorPage(page, null);
    expect(await page.textContent('#error')).toContain('invalid_client');
    expect(await page.locator('.card b').count()).toBe(0);

    await page.goto(`${emulator.idpOrigin}/interaction/no-such-sign-in`);
    await expectEmulatorPage(page, null);
    expect(await page.textContent('h1')).toBe('This sign-in page has expired');
    expect(await page.textContent('body')).not.toMatch(/at .*\.js:\d+/);
    expect(outside).toEqual([]);
    await context.close();
  });

  it('device flow: code entry (a wrong code first), confirmation, sign-in and success; the device gets tokens', async () => {
    const { context, page, outside } = await freshTab();
    const cli = createOidcClient({ issuer: emulator.issuer, clientId: emulator.clients.cli });
    const device = await cli.requestDeviceCode({ scope: 'openid offline_access' });
    await page.goto(device.verificationUri);
    await expectEmulatorPage(page, null);
    expect(await page.textContent('#app')).toContain('named on the next page');
    expect(await page.getAttribute('form[id="op.deviceInputForm"] input[name=xsrf]', 'type')).toBe('hidden');
    await page.fill('input[name=user_code]', device.userCode);
    await screenshot(page, 'emulator-device.png');
    await page.fill('input[name=user_code]', 'WRONG-CODE');
    await page.click('#continue');
    await page.waitForSelector('#problem');
    expect(await page.textContent('#problem')).toContain('no such code');

    await page.fill('input[name=user_code]', device.userCode);
    await page.click('#continue');
    await page.waitForSelector('#user-code');
    await expectEmulatorPage(page, emulator.clients.cli);
    expect(await page.textContent('#user-code')).toBe(device.userCode);
    const confirmForm = 'form[id="op.deviceConfirmForm"]';
    expect(await page.getAttribute(`${confirmForm} input[name=user_code]`, 'value')).toBe(device.userCode);
    expect(await page.locator(`${confirmForm} input[name=xsrf]`).count()).toBe(1);
    expect(await page.getAttribute(`${confirmForm} input[name=confirm]`, 'value')).toBe('yes');
    await page.click('#confirm');

    await page.waitForSelector('h1:text("Sign in")');
    await expectEmulatorPage(page, emulator.clients.cli);
    await page.click('#approve');
    await page.waitForSelector('h1:text("Allow access?")');
    await page.click('#approve');
    await page.waitForSelector('#done');
    await expectEmulatorPage(page, emulator.clients.cli);
    expect(await page.textContent('h1')).toBe('Signed in: return to your device');
    expect((await cli.pollDeviceCode(device.deviceCode)).kind).toBe('tokens');
    expect(outside).toEqual([]);
    await context.close();
  });

  it('device link: the code comes filled in, the confirmation names the app; Cancel tells the device no', async () => {
    const { context, page, outside } = await freshTab();
    const cli = createOidcClient({ issuer: emulator.issuer, clientId: emulator.clients.cli });
    const device = await cli.requestDeviceCode({ scope: 'openid' });
    // The link's page (oidc-provider's is a bare self-submitting form) is the emulator's, with the same fields.
    const link = await (await fetch(device.verificationUriComplete ?? '')).text();
    expect(link).toContain('id="emulator-banner"');
    expect(link).toMatch(/<input type="hidden" name="xsrf" value="[^"]+">/);
    expect(link).toContain(`name="user_code" value="${device.userCode}"`);
    await page.goto(device.verificationUriComplete ?? '');
    await page.waitForSelector('#user-code');
    await expectEmulatorPage(page, emulator.clients.cli);
    await page.click('#abort');
    await page.waitForSelector('#problem');
    await expectEmulatorPage(page, emulator.clients.cli);
    expect(await page.textContent('#problem')).toContain('cancelled');
    expect((await cli.pollDeviceCode(device.deviceCode)).kind).toBe('denied');
    expect(outside).toEqual([]);
    await context.close();
  });

  it('sign-out: the question names the app and keeps the xsrf field; Sign out ends on the signed-out page', async () => {
    const { context, page, outside } = await freshTab();
    await page.goto(await authorizationUrl(emulator));
    await page.click('#approve');
    await page.waitForSelector('h1:text("Allow access?")');
    await page.click('#approve');
    await page.waitForSelector('#the-app');
    const metadata = await (await fetch(`${emulator.issuer}/.well-known/openid-configuration`)).json();
    await page.goto(`${metadata.end_session_endpoint}?client_id=spa`);
    await page.waitForSelector('#logout');
    await expectEmulatorPage(page, 'spa');
    expect(await page.getAttribute('form[id="op.logoutForm"] input[name=xsrf]', 'type')).toBe('hidden');
    await page.click('#logout');
    await page.waitForSelector('#done');
    await expectEmulatorPage(page, null);
    expect(await page.textContent('h1')).toBe('Signed out');
    expect(outside).toEqual([]);
    await context.close();
  });

  it('headless emulator: the sign-out page answers itself; answerDeviceCode still approves and denies', async () => {
    const { context, page, outside } = await freshTab();
    await page.goto(await authorizationUrl(headless));
    await page.waitForSelector('#the-app');
    const metadata = await (await fetch(`${headless.issuer}/.well-known/openid-configuration`)).json();
    await page.goto(`${metadata.end_session_endpoint}?client_id=spa`);
    await page.waitForSelector('#done');
    expect(await page.textContent('h1')).toBe('Signed out');
    expect(outside).toEqual([]);
    await context.close();

    const cli = createOidcClient({ issuer: headless.issuer, clientId: headless.clients.cli });
    const approved = await cli.requestDeviceCode({ scope: 'openid' });
    await headless.answerDeviceCode(approved.verificationUriComplete ?? '', true);
    expect((await cli.pollDeviceCode(approved.deviceCode)).kind).toBe('tokens');
    const denied = await cli.requestDeviceCode({ scope: 'openid' });
    await headless.answerDeviceCode(denied.verificationUri, false, denied.userCode);
    expect((await cli.pollDeviceCode(denied.deviceCode)).kind).toBe('denied');
  });
});

describe('the pages escape what they show', () => {
  const evil = '"><script>alert(1)</script><img src=x>';
  it.each([
    [
      'sign-in',
      loginPage({ action: evil, users: [{ id: evil, name: evil, email: evil, projects: [] }], client: evil }),
    ],
    ['consent', consentPage({ action: evil, client: evil, user: evil, scopes: [evil], resources: [evil] })],
    ['finished', finishedPage(evil, evil)],
    ['error', errorPage({ client: evil, error: evil, description: evil })],
    ['device confirmation', deviceConfirmPage('', evil, evil)],
    ['sign-out', logoutPage('', evil, false)],
  ])('%s', (_name, html) => {
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('&#34;&#62;&#60;script&#62;');
  });
});
