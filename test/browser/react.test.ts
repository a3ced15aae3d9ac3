/** The React example (StrictMode) signing in with code + PKCE, in headless Chromium against the emulator. */
import http from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { launchChromium } from '../helpers/chromium.js';
import { closeAll, listenLocal } from '../helpers/http-server.js';

let browser: Browser;
let emulator: Emulator;
let server: http.Server;
let origin = '';

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [path.resolve(import.meta.dirname, '../../examples/react/App.jsx')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'silent',
  });
  const js = bundle.outputFiles[0]?.text ?? '';
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/react.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<!doctype html><html lang="en"><body><div id="root"></div><script type="module">
import { mount } from '/app.js';
mount(${JSON.stringify({ baseUrl: emulator.baseUrl, issuer: emulator.issuer, clientId: emulator.clients.spa, project: 'demo' })}, document.getElementById('root'));
</script></body></html>`,
      );
    } else if (url.pathname === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else res.writeHead(404).end();
  });
  origin = await listenLocal(server);
  emulator = await startEmulator({ spaRedirectUris: [`${origin}/react.html`] });
  browser = await launchChromium();
}, 60_000);

afterAll(() => closeAll(browser, emulator, server));

it('signs in under React StrictMode (double effects), renders from the one UI state, and calls CDF with the token', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${origin}/react.html`);
  await expect.poll(() => page.textContent('#state'), { timeout: 30_000 }).toBe('anonymous');
  await page.click('#signin');
  await expect.poll(() => page.textContent('#state'), { timeout: 30_000 }).toBe('authenticated');
  await expect.poll(() => page.textContent('#subject'), { timeout: 30_000 }).toBe('Signed in as alice');
  expect(page.url()).toBe(`${origin}/react.html`);
  expect(errors).toEqual([]);
  await page.close();
});
