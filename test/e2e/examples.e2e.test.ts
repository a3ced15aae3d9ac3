/**
 * The examples run as their READMEs say: `node examples/node/script.mjs` (what `npm run example:node`
 * runs after the build) prints what it read; `examples/browser/serve.mjs` and `examples/react/serve.mjs`
 * (Vite) serve pages that sign a person in, in headless Chromium, against the emulator they start; and
 * `examples/server/server.mjs` is an Express app that signs the person in server-side.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.js';

const root = path.resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  for (const child of children) child.kill('SIGINT');
  await browser?.close();
});

/** Starts an example's server and resolves with the URL it prints first. */
function serve(script: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const child = spawn(process.execPath, [path.join(root, script)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      const url = /^(http:\/\/127\.0\.0\.1:\d+\/)/.exec(line)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function signInAt(url: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await expect.poll(() => page.textContent('#state'), { timeout: 30_000 }).toBe('anonymous');
  await page.click('#signin');
  await expect.poll(() => page.textContent('#state'), { timeout: 30_000 }).toBe('authenticated');
  return { page, errors };
}

describe('the examples', () => {
  it('node: signs a service in against the entra profile and reads assets and projects through the session', async () => {
    const child = spawn(process.execPath, [path.join(root, 'examples/node/script.mjs')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain('signed in as service; assets: Pump 1');
    expect(out).toContain('projects: demo');
  });

  it('browser: the served page signs in and shows what token/inspect said', async () => {
    const { page, errors } = await signInAt(await serve('examples/browser/serve.mjs'));
    await expect.poll(() => page.textContent('#projects'), { timeout: 30_000 }).toContain('"subject": "alice"');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('react: the Vite-served page signs in under StrictMode and shows the subject', async () => {
    const { page, errors } = await signInAt(await serve('examples/react/serve.mjs', { PORT: '5179' }));
    await expect.poll(() => page.textContent('#subject'), { timeout: 30_000 }).toContain('alice');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('server: an Express app signs a person in server-side, reads assets both ways, and signs out', async () => {
    const url = await serve('examples/server/server.mjs', { PORT: '5181' });
    const anonymous = await fetch(`${url}api/assets`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: 'notLoggedIn' });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await expect.poll(() => page.textContent('#state'), { timeout: 30_000 }).toBe('anonymous');
    await page.click('#signin');
    await expect.poll(() => page.textContent('#state'), { timeout: 30_000 }).toBe('signedIn');
    await expect.poll(() => page.textContent('#assets'), { timeout: 30_000 }).toContain('Pump 1');
    await expect.poll(() => page.textContent('#proxied'), { timeout: 30_000 }).toContain('Pump 1');
    // The page's scripts see no token: the session cookie is HttpOnly.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.click('#signout');
    await expect.poll(() => page.textContent('#state'), { timeout: 30_000 }).toBe('anonymous');
    expect(errors).toEqual([]);
    await page.close();
  });
});
