/**
 * The server driver (backend for frontend) against the emulator, mounted on node:http, Express and
 * Fastify, with a person's browser (an HTTP client with a cookie jar) and the strangers on the wire: a
 * forged or replayed callback, a callback carried to another browser, an open-redirect `returnTo`, a
 * cross-site logout, a decoy behind the proxy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { freePort } from '../helpers/http-server.js';
import { personBrowser, startApp, webAppOptions } from '../helpers/server-app.js';

let emulator: Emulator;
const ports: number[] = [];
beforeAll(async () => {
  for (let i = 0; i < 9; i++) ports.push(await freePort());
  emulator = await startEmulator({ webRedirectUris: ports.map((port) => `http://127.0.0.1:${port}/auth/callback`) });
  emulator.setNextLogin({ approve: 'alice' });
});
afterAll(async () => {
  await emulator?.close();
});

const tokenRequests = () => emulator.idpRequests.filter((r) => r.method === 'POST' && r.path.endsWith('/token')).length;

describe.each([
  ['node:http', 0],
  ['express', 1],
  ['fastify', 2],
] as const)('a sign-in through %s', (framework, index) => {
  it('ends at returnTo with an HttpOnly, SameSite=Lax session cookie; /auth/session says who, never a token; getToken(req) calls CDF', async () => {
    const port = ports[index] as number;
    const app = await startApp(framework, port, webAppOptions(emulator, port));
    try {
      const browser = personBrowser(`http://127.0.0.1:${port}`);
      const end = await browser.signIn('/reports?tab=2');
      expect(end).toEqual({ url: `http://127.0.0.1:${port}/reports?tab=2`, status: 200 });
      const cookie = await browser.cookie('cdf-session');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'lax', secure: false, path: '/' });
      expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const info = await (await browser.get('/auth/session')).text();
      const session = JSON.parse(info);
      expect(session).toMatchObject({ status: 'signedIn', project: 'demo', user: { subject: expect.any(String) } });
      expect(info).not.toMatch(/eyJ/); // no JWT of any kind
      const me = await (await browser.get('/me')).json();
      expect(me).toMatchObject({ subject: session.user.subject, projects: expect.arrayContaining(['demo']) });
    } finally {
      await app.close();
    }
  });
});

describe('strangers on the wire', () => {
  let port: number;
  let app: Awaited<ReturnType<typeof startApp>>;
  beforeAll(async () => {
    port = ports[3] as number;
    app = await startApp('node:http', port, webAppOptions(emulator, port, { proxyPath: '/cdf' }));
  });
  afterAll(() => app.close());
  const origin = () => `http://127.0.0.1:${port}`;
  const isCallback = (url: string) => url.includes('/auth/callback');

  it('answers a forged callback (a state nobody started) with stateMismatch, and asks the IdP nothing', async () => {
    const before = tokenRequests();
    const answer = await personBrowser(origin()).get('/auth/callback?code=forged&state=never-started');
    expect(answer.status).toBe(400);
    const page = await answer.text();
    expect(page).toContain('<code>stateMismatch</code>');
    expect(page).toContain('No sign-in is waiting for this callback');
    expect(page).toContain('href="/auth/login"');
    expect(tokenRequests()).toBe(before);
  });

  it('redeems a callback once: delivered twice, the second is stateMismatch and only one code is redeemed', async () => {
    const browser = personBrowser(origin());
    const stopped = await browser.signIn('/', isCallback);
    const before = tokenRequests();
    expect((await browser.get(stopped.url)).status).toBe(303);
    const again = await browser.get(stopped.url, { accept: 'application/json' });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'stateMismatch' });
    expect(tokenRequests()).toBe(before + 1);
  });

  it('signs nobody in when the callback is carried to another browser (no binding cookie), and redeems no code', async () => {
    const victim = personBrowser(origin());
    const stopped = await victim.signIn('/', isCallback);
    const before = tokenRequests();
    const attacker = personBrowser(origin());
    const answer = await attacker.get(stopped.url, { accept: 'application/json' });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: 'stateMismatch' });
    expect(await attacker.cookie('cdf-session')).toBeNull();
    expect(tokenRequests()).toBe(before);
  });

  it.each(['https://evil.example/', '//evil.example/', '/\\evil.example/', 'javascript:alert(1)'])(
    'refuses returnTo=%s (no open redirect), naming what to write instead',
    async (returnTo) => {
      const answer = await personBrowser(origin()).get(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({
        error: 'invalidReturnTo',
        message: expect.stringContaining('/reports'),
      });
    },
  );

  it('does not accept a cookie from before a sign-in after it: every sign-in gets a new id, the old one ends', async () => {
    const browser = personBrowser(origin());
    await browser.signIn('/');
    const first = (await browser.cookie('cdf-session'))?.value;
    await browser.signIn('/');
    const second = (await browser.cookie('cdf-session'))?.value;
    expect(second).not.toBe(first);
    const old = await fetch(`${origin()}/auth/session`, { headers: { cookie: `cdf-session=${first}` } });
    expect(await old.json()).toEqual({ status: 'anonymous' });
  });

  it('refuses a logout from another site or without the CSRF token; with it, ends the session and revokes', async () => {
    const browser = personBrowser(origin());
    await browser.signIn('/');
    const { csrfToken } = await (await browser.get('/auth/session')).json();
    expect((await browser.post('/auth/logout', { origin: 'https://evil.example' })).status).toBe(403);
    expect((await browser.post('/auth/logout')).status).toBe(403);
    expect(await (await browser.get('/auth/session')).json()).toMatchObject({ status: 'signedIn' });
    const out = await browser.post('/auth/logout', { 'x-csrf-token': csrfToken });
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ status: 'loggedOut', revoked: 'refreshToken' });
    expect(await (await browser.get('/auth/session')).json()).toEqual({ status: 'anonymous' });
    expect(await (await browser.get('/me')).json()).toEqual({ error: 'notLoggedIn' });
  });

  it('tells a person whose consent was denied what happened, on a whole page', async () => {
    emulator.setNextLogin({ deny: true });
    try {
      const browser = personBrowser(origin());
      const stopped = await browser.signIn('/', isCallback);
      const answer = await browser.get(stopped.url, { accept: 'text/html' });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const page = await answer.text();
      expect(page).toMatch(/^<!doctype html>[\s\S]*<\/html>$/);
      expect(page).toContain('<code>accessDenied</code>');
      expect(page).toContain('href="/auth/login"');
      expect(await browser.cookie('cdf-session')).toBeNull();
    } finally {
      emulator.setNextLogin({ approve: 'alice' });
    }
  });

  it('proxies the session project to CDF with its token, and nothing else', async () => {
    const browser = personBrowser(origin());
    await browser.signIn('/');
    const assets = await browser.get('/cdf/api/v1/projects/demo/assets');
    expect(assets.status).toBe(200);
    expect(assets.headers.get('set-cookie')).toBeNull();
    expect((await browser.get('/cdf/api/v1/projects/other/assets')).status).toBe(403);
    expect((await browser.get('/cdf/api/v1/projects/demo/%2e%2e/other/assets')).status).toBe(403);
    expect((await personBrowser(origin()).get('/cdf/api/v1/projects/demo/assets')).status).toBe(401);
  });
});

describe('session lifetimes, kept on the server whatever the cookie says', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('ends a session after idleMs without a request, and keeps one that is used', async () => {
    const port = ports[6] as number;
    const app = await startApp('node:http', port, webAppOptions(emulator, port, { idleMs: 1_000 }));
    try {
      const used = personBrowser(`http://127.0.0.1:${port}`);
      const idle = personBrowser(`http://127.0.0.1:${port}`);
      await used.signIn('/');
      await idle.signIn('/');
      for (let i = 0; i < 6; i++) {
        await sleep(300);
        expect(await (await used.get('/auth/session')).json()).toMatchObject({ status: 'signedIn' });
      }
      expect(await (await idle.get('/auth/session')).json()).toEqual({ status: 'anonymous' });
      expect(await (await idle.get('/me')).json()).toEqual({ error: 'notLoggedIn' });
    } finally {
      await app.close();
    }
  });

  it('ends a session absoluteMs after sign-in, however much it is used', async () => {
    const port = ports[7] as number;
    const app = await startApp('node:http', port, webAppOptions(emulator, port, { absoluteMs: 1_500 }));
    try {
      const browser = personBrowser(`http://127.0.0.1:${port}`);
      await browser.signIn('/');
      const { sessionEndsAt } = await (await browser.get('/auth/session')).json();
      while (Date.now() < sessionEndsAt - 400) {
        expect(await (await browser.get('/auth/session')).json()).toMatchObject({ status: 'signedIn' });
        await sleep(200);
      }
      await sleep(Math.max(0, sessionEndsAt - Date.now()) + 100);
      expect(await (await browser.get('/auth/session')).json()).toEqual({ status: 'anonymous' });
    } finally {
      await app.close();
    }
  });
});

describe('a session whose refresh token the IdP refuses', () => {
  it('lets a caller of getToken give up (cancelled) without ending the renewal others wait on', async () => {
    const port = ports[8] as number;
    const app = await startApp('node:http', port, webAppOptions(emulator, port, { leewayMs: 3_600_000 }));
    try {
      const browser = personBrowser(`http://127.0.0.1:${port}`);
      await browser.signIn('/');
      const req = { headers: { cookie: await browser.jar.getCookieString(`http://127.0.0.1:${port}/`) } };
      emulator.fault({ on: 'idp', path: '/token', delayMs: 500 });
      const impatient = new AbortController();
      const first = app.auth.getToken(req as never, { signal: impatient.signal });
      const second = app.auth.getToken(req as never);
      impatient.abort();
      await expect(first).rejects.toMatchObject({ code: 'cancelled' });
      expect(await second).toMatch(/^eyJ/);
    } finally {
      emulator.clearFaults();
      await app.close();
    }
  });

  it('ends on every request path at once: getToken rejects reauthRequired, and the session is gone', async () => {
    const port = ports[5] as number;
    // Every token is stale for this app: each getToken renews.
    const app = await startApp('node:http', port, webAppOptions(emulator, port, { leewayMs: 3_600_000 }));
    try {
      const browser = personBrowser(`http://127.0.0.1:${port}`);
      await browser.signIn('/');
      emulator.fault({
        on: 'idp',
        path: '/token',
        status: 400,
        body: '{"error":"invalid_grant","error_description":"grant request is invalid"}',
      });
      expect(await (await browser.get('/me')).json()).toEqual({ error: 'reauthRequired' });
      expect(await (await browser.get('/auth/session')).json()).toEqual({ status: 'anonymous' });
    } finally {
      emulator.clearFaults();
      await app.close();
    }
  });
});

describe('the proxy, met by a decoy', () => {
  it('never forwards the browser cookie, and does not follow a redirect to another host', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    let elsewhere = 0;
    const decoy = http.createServer((_req, res) => {
      elsewhere++;
      res.end();
    });
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve));
    const decoyUrl = `http://127.0.0.1:${(decoy.address() as AddressInfo).port}`;
    const cdf = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(302, { location: `${decoyUrl}/steal` }).end();
    });
    await new Promise<void>((resolve) => cdf.listen(0, '127.0.0.1', resolve));
    const port = ports[4] as number;
    const real = webAppOptions(emulator, port);
    // The IdP and the sign-in's inspection stay real; only the proxied calls go to the recording CDF.
    const app = await startApp('node:http', port, {
      ...real,
      proxyPath: '/cdf',
      fetch: (input, init) => {
        const url = new URL(String(input instanceof Request ? input.url : input));
        if (url.pathname.includes('/projects/demo/assets')) {
          return fetch(`http://127.0.0.1:${(cdf.address() as AddressInfo).port}${url.pathname}`, init);
        }
        return fetch(input, init);
      },
    });
    try {
      const browser = personBrowser(`http://127.0.0.1:${port}`);
      await browser.signIn('/');
      const answer = await browser.get('/cdf/api/v1/projects/demo/assets', { authorization: 'Bearer from-browser' });
      expect(answer.status).toBe(502);
      expect(seen).toHaveLength(1);
      expect(seen[0]?.cookie).toBeUndefined();
      expect(seen[0]?.authorization).toMatch(/^Bearer eyJ/);
      expect(elsewhere).toBe(0);
    } finally {
      await app.close();
      decoy.close();
      cdf.close();
    }
  });
});
