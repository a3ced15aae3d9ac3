/**
 * The live statechart page in headless Chromium: a person signs in through the emulator's interactive
 * IdP page and the diagram shows `authenticated`. `UPDATE_SCREENSHOT=1` refreshes docs/live-page.png.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type LivePage, startLivePage } from '../../src/viz/live-page.js';
import { launchChromium } from '../helpers/chromium.js';

let browser: Browser;
let live: LivePage;
let emulator: Emulator | undefined;
const outside: string[] = [];

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

it('lights up each state as a person signs in with code + PKCE, and loads nothing from outside 127.0.0.1', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('request', (request) => {
    if (!new URL(request.url()).hostname.startsWith('127.0.0.1')) outside.push(request.url());
  });
  await page.goto(live.url);
  await expect.poll(() => page.locator('#diagram-authorizationCode svg g.node').count()).toBeGreaterThan(8);
  await page.click('#signin-code');
  // The emulator's IdP page, for a person: sign in, then consent.
  await page.waitForSelector('#approve');
  await page.click('#approve');
  await page.waitForSelector('#approve');
  await page.click('#approve');
  await page.waitForURL(live.url, { waitUntil: 'load' });
  await expect
    .poll(() => page.evaluate(() => document.body.dataset.authorizationCode), { timeout: 30_000 })
    .toBe('authenticated');
  expect(await page.locator('#diagram-authorizationCode #state-authenticated.current').count()).toBe(1);
  expect(await page.textContent('#ui')).toBe('authenticated');
  const logText = (await page.textContent('#log')) ?? '';
  expect(logText).toContain('CALLBACK');
  expect(logText).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
  expect(logText).toContain('[redacted]');
  expect(page.url()).toBe(live.url);
  expect(outside).toEqual([]);
  // docs/live-page.png is refreshed on demand (UPDATE_SCREENSHOT=1), so that a test run leaves the tree clean.
  const target = process.env.UPDATE_SCREENSHOT === '1' ? 'docs/live-page.png' : 'reports/live-page.png';
  await page.screenshot({ path: path.resolve(import.meta.dirname, '../..', target), fullPage: true });
  await page.close();
});
