/**
 * The loopback listener as the person's browser and the other pages on the machine meet it: the page
 * arrives whole after the real callback, and stray requests (a bare request, another flow id or state,
 * a foreign Host) are answered 400 and ignored while the flow keeps waiting for the real callback.
 */
import http from 'node:http';
import net from 'node:net';
import { CookieJar } from 'tough-cookie';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { followRedirects } from '../../src/drivers/node/headless-browser.js';
import { loginWithLoginUrl } from '../../src/drivers/node/legacy.js';
import { loginWithAuthorizationCode } from '../../src/drivers/node/oidc.js';
import type { Opener } from '../../src/drivers/node/opener.js';
import { startEmulator } from '../../src/emulator/index.js';
import { isAuthFlowError } from '../../src/errors/auth-flow-error.js';
import { escapeHtml } from '../../src/protocol/html.js';
import { portIsClosed, withParam } from '../helpers/flows.js';
import { startCdfWithoutIdp } from '../helpers/http-server.js';
import { resetEmulator } from '../helpers/lifecycle.js';

const emulator = await startEmulator();
afterAll(() => emulator.close());
beforeEach(() => resetEmulator(emulator));

interface Page {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  complete: boolean;
}

/** A real HTTP client GET, as a browser sends it (the Host it is given), read to the end or the reset. */
function browserGet(url: string, host?: string): Promise<Page> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        headers: { host: host ?? target.host },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, complete: res.complete }),
        );
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('the connection was reset before the page arrived')));
      },
    );
    req.on('error', reject);
  });
}

/**
 * The person's browser: follows the IdP's redirects up to the loopback callback, sends `before` (stray
 * requests, in order) first, then the real callback, and keeps every page it got.
 */
function personsBrowser(
  pages: Page[],
  before: (callbackUrl: string) => Array<{ url: string; host?: string }> = () => [],
  callbacks: string[] = [],
): Opener {
  return async (url, { signal }) => {
    const stop = await followRedirects(url, {
      jar: new CookieJar(),
      signal,
      until: (u) => new URL(u).pathname === '/callback',
    });
    callbacks.push(stop.url);
    void (async () => {
      for (const stray of before(stop.url)) pages.push(await browserGet(stray.url, stray.host));
      pages.push(await browserGet(stop.url));
    })().catch((error) => pages.push({ status: -1, headers: {}, body: String(error), complete: false }));
  };
}

const settle = async <T>(promise: Promise<T>) => {
  try {
    return { value: await promise, code: undefined, message: undefined };
  } catch (error) {
    if (!isAuthFlowError(error)) throw error;
    return { value: undefined, code: error.code, message: error.message };
  }
};
/** One row of the page, as it renders a label and its (escaped) value. */
const row = (label: string, value: string) => `<dt>${label}</dt><dd><code>${escapeHtml(value)}</code></dd>`;
/** The page holds none of `secrets` (tokens, the code, the state), and a sign-in had some. */
const expectNoSecret = (page: Page | undefined, secrets: ReadonlyArray<string | null | undefined>) => {
  const present = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8);
  expect(present.length).toBeGreaterThan(0);
  for (const secret of present) expect(page?.body).not.toContain(secret);
};
const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
};
const expectWholePage = (page: Page | undefined, status: number, text: RegExp) => {
  expect(page?.status).toBe(status);
  expect(page?.complete).toBe(true);
  expect(page?.headers['referrer-policy']).toBe('no-referrer');
  expect(page?.body).toMatch(/<\/html>$/);
  expect(page?.body).toMatch(text);
};

describe('the browser always gets a complete page for the real callback', () => {
  it('login URL, success: the page arrives whole, says who signed in to which project, and holds no token', async () => {
    const pages: Page[] = [];
    const callbacks: string[] = [];
    const result = await settle(
      loginWithLoginUrl({
        baseUrl: emulator.baseUrl,
        project: 'demo',
        opener: personsBrowser(pages, undefined, callbacks),
      }),
    );
    expect(result.value?.user).toBe('alice');
    await waitFor(() => pages.length === 1);
    expectWholePage(pages[0], 200, /Signed in/);
    expect(pages[0]?.body).toContain(row('User', 'alice'));
    expect(pages[0]?.body).toContain(row('Project', 'demo'));
    expect(pages[0]?.body).toContain('<dt>Identity provider</dt>');
    const callback = new URL(callbacks[0] ?? '');
    expectNoSecret(pages[0], [
      result.value?.accessToken,
      result.value?.idToken,
      callback.searchParams.get('access_token'),
      callback.searchParams.get('id_token'),
      callback.searchParams.get('cdf_flow'),
    ]);
  });

  it('code + PKCE, success: who (token/inspect and the ID token), which projects, which IdP; no token, no code', async () => {
    const pages: Page[] = [];
    const callbacks: string[] = [];
    const signIn = await loginWithAuthorizationCode({
      issuer: emulator.issuer,
      clientId: emulator.clients.cli,
      baseUrl: emulator.baseUrl,
      project: 'demo',
      opener: personsBrowser(pages, undefined, callbacks),
    });
    await waitFor(() => pages.length === 1);
    expectWholePage(pages[0], 200, /<h1 class="ok">Signed in<\/h1>/);
    expect(pages[0]?.body).toMatch(/<dt>User<\/dt><dd><code>alice \(Alice Example\)<\/code>/);
    expect(pages[0]?.body).toContain(row('Project', 'demo'));
    expect(pages[0]?.body).toContain(row('Identity provider', new URL(emulator.issuer).host));
    const callback = new URL(callbacks[0] ?? '');
    expect(callback.searchParams.get('code')).toBeTruthy();
    expectNoSecret(pages[0], [
      signIn.tokens.accessToken,
      signIn.tokens.refreshToken,
      signIn.tokens.idToken,
      callback.searchParams.get('code'),
      callback.searchParams.get('state'),
    ]);
  });

  it('login URL, late failure (projectMismatch): the page arrives whole and says why', async () => {
    const other = await emulator.mintLegacyTokens({ user: 'alice', project: 'other' });
    const pages: Page[] = [];
    const swap = (url: string) =>
      withParam(withParam(url, 'access_token', other.accessToken), 'id_token', other.idToken);
    const opener: Opener = async (url, { signal }) => {
      const stop = await followRedirects(url, {
        jar: new CookieJar(),
        signal,
        until: (u) => new URL(u).pathname === '/callback',
      });
      void browserGet(swap(stop.url)).then((page) => pages.push(page));
    };
    const result = await settle(loginWithLoginUrl({ baseUrl: emulator.baseUrl, project: 'demo', opener }));
    expect(result.code).toBe('projectMismatch');
    await waitFor(() => pages.length === 1);
    expectWholePage(pages[0], 400, /Sign-in failed/);
    expect(pages[0]?.body).toContain(escapeHtml(result.message ?? '\0'));
    expect(pages[0]?.body).toContain(row('Code', 'projectMismatch'));
    expect(pages[0]?.body).toContain(row('State', 'validatingToken'));
    expectNoSecret(pages[0], [other.accessToken, other.idToken]);
  });

  it('code + PKCE, success and late failure (projectMismatch): the page arrives whole', async () => {
    const pages: Page[] = [];
    const base = { issuer: emulator.issuer, clientId: emulator.clients.cli, baseUrl: emulator.baseUrl };
    expect(
      (await settle(loginWithAuthorizationCode({ ...base, opener: personsBrowser(pages) }))).value?.tokens,
    ).toBeTruthy();
    await waitFor(() => pages.length === 1);
    expectWholePage(pages[0], 200, /Signed in/);
    const late = await settle(
      loginWithAuthorizationCode({ ...base, project: 'no-such-project', opener: personsBrowser(pages) }),
    );
    expect(late.code).toBe('projectMismatch');
    await waitFor(() => pages.length === 2);
    expectWholePage(pages[1], 400, /Sign-in failed/);
    // It says what happened (the driver stops the actor at once; the page must not read that as a cancel).
    expect(pages[1]?.body).toContain('no-such-project');
    expect(pages[1]?.body).not.toMatch(/cancelled/);
  });
});

describe('CDF refusing the sign-in: the page says its reason, never "cancelled"', () => {
  const code = (pages: Page[], project?: string) =>
    settle(
      loginWithAuthorizationCode({
        issuer: emulator.issuer,
        clientId: emulator.clients.cli,
        baseUrl: emulator.baseUrl,
        ...(project ? { project } : {}),
        opener: personsBrowser(pages),
        http: { retryLimit: 0 },
      }),
    );

  it('a project the token does not reach (projectMismatch): the reason, the code, where', async () => {
    const pages: Page[] = [];
    const result = await code(pages, 'no-such-project');
    expect(result.code).toBe('projectMismatch');
    await waitFor(() => pages.length === 1);
    expectWholePage(pages[0], 400, /<h1 class="failed">Sign-in failed<\/h1>/);
    expect(pages[0]?.body).toContain(escapeHtml(result.message ?? '\0'));
    expect(pages[0]?.body).toContain(row('Code', 'projectMismatch'));
    expect(pages[0]?.body).toContain(row('State', 'inspectingToken'));
    expect(pages[0]?.body).not.toMatch(/cancel/i);
  });

  it('token/inspect refusing the token (401): the audience hint, code tokenRejected', async () => {
    emulator.fault({ path: '/api/v1/token/inspect', status: 401 });
    const pages: Page[] = [];
    const result = await code(pages);
    expect(result.code).toBe('tokenRejected');
    expect(result.message).toMatch(/most likely for another audience/);
    await waitFor(() => pages.length === 1);
    expectWholePage(pages[0], 400, /most likely for another audience/);
    expect(pages[0]?.body).toContain(escapeHtml(result.message ?? '\0'));
    expect(pages[0]?.body).toContain(row('Code', 'tokenRejected'));
    expect(pages[0]?.body).not.toMatch(/cancel/i);
  });

  it('token/inspect answering 403: the reason, the HTTP status', async () => {
    emulator.fault({ path: '/api/v1/token/inspect', status: 403 });
    const pages: Page[] = [];
    const result = await code(pages, 'demo');
    expect(result.code).toBe('http');
    await waitFor(() => pages.length === 1);
    expectWholePage(pages[0], 400, /Sign-in failed/);
    expect(pages[0]?.body).toContain(escapeHtml(result.message ?? '\0'));
    expect(pages[0]?.body).toContain(row('HTTP status', '403'));
    expect(pages[0]?.body).not.toMatch(/cancel/i);
  });

  it('login URL: CDF refusing a user the project (access_denied on the error redirect)', async () => {
    emulator.setNextLogin({ approve: 'bob' });
    const pages: Page[] = [];
    const result = await settle(
      loginWithLoginUrl({ baseUrl: emulator.baseUrl, project: 'demo', opener: personsBrowser(pages) }),
    );
    expect(result.code).toBe('idpError');
    await waitFor(() => pages.length === 1);
    expectWholePage(pages[0], 400, /access_denied/);
    expect(pages[0]?.body).toContain(escapeHtml(result.message ?? '\0'));
    expect(pages[0]?.body).not.toMatch(/cancel/i);
  });
});

/** What other pages send the listener before the real callback: bare, forged, foreign Hosts. */
const strays = (callbackUrl: string, secretParam: 'cdf_flow' | 'state') => {
  const url = new URL(callbackUrl);
  return [
    { url: `${url.origin}/callback` },
    { url: withParam(callbackUrl, secretParam, 'forged') },
    { url: callbackUrl, host: 'attacker.example' },
    // DNS rebinding: a name that resolves to 127.0.0.1 but is not a loopback name (localhost is one).
    { url: callbackUrl, host: `rebound.attacker.example:${url.port}` },
  ];
};

describe('stray requests do not end the sign-in', () => {
  it('login URL: a bare request, another flow id and foreign Hosts first, then the real callback → signed in', async () => {
    const pages: Page[] = [];
    const before = emulator.requests.length;
    const result = await settle(
      loginWithLoginUrl({
        baseUrl: emulator.baseUrl,
        project: 'demo',
        opener: personsBrowser(pages, (u) => strays(u, 'cdf_flow')),
      }),
    );
    expect(result.value?.user).toBe('alice');
    await waitFor(() => pages.length === 5);
    expect(pages.slice(0, 4).map((p) => p.status)).toEqual([400, 400, 400, 400]);
    expect(pages[4]?.status).toBe(200);
    // The tokens were validated once: only the real callback reached CDF.
    expect(emulator.requests.slice(before).filter((r) => r.path === '/login/status')).toHaveLength(1);
  });

  it('code + PKCE: a bare request, another state and foreign Hosts first, then the real callback → signed in, code redeemed once', async () => {
    const pages: Page[] = [];
    const signIn = await loginWithAuthorizationCode({
      issuer: emulator.issuer,
      clientId: emulator.clients.cli,
      baseUrl: emulator.baseUrl,
      opener: personsBrowser(pages, (u) => strays(u, 'state')),
    });
    await waitFor(() => pages.length === 5);
    expect(pages.slice(0, 4).map((p) => p.status)).toEqual([400, 400, 400, 400]);
    expect(pages[4]?.status).toBe(200);
    // A code redeemed twice would have revoked these tokens (oidc-provider's reuse detection).
    const inspect = await fetch(`${emulator.baseUrl}/api/v1/token/inspect`, {
      headers: { authorization: `Bearer ${signIn.tokens.accessToken}` },
    });
    expect(inspect.status).toBe(200);
  });
});

describe('a registered redirect URI on a fixed port keeps every loopback rule', () => {
  it('http://localhost:PORT/callback: strays first (bare, another state, foreign Hosts), then the real callback → one whole page, port closed', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const pages: Page[] = [];
    const signIn = await loginWithAuthorizationCode({
      issuer: emulator.issuer,
      clientId: emulator.clients.cli,
      baseUrl: emulator.baseUrl,
      redirectUri: `http://localhost:${port}/callback`,
      opener: personsBrowser(pages, (u) => strays(u, 'state')),
    });
    expect(signIn.tokens.accessToken).toBeTruthy();
    await waitFor(() => pages.length === 5);
    expect(pages.slice(0, 4).map((p) => p.status)).toEqual([400, 400, 400, 400]);
    expectWholePage(pages[4], 200, /Signed in/);
    expect(await portIsClosed(port)).toBe(true);
  });
});

describe('the legacy redirect URL carries the app’s own query and fragment', () => {
  it('reach /login/url intact, beside the flow id, for the redirect and the error redirect', async () => {
    const cdf = await startCdfWithoutIdp();
    try {
      const result = await settle(
        loginWithLoginUrl({
          baseUrl: cdf.url,
          project: 'demo',
          opener: async () => {},
          redirectParams: { tenant: 'acme', next: '/a b?c=d' },
          redirectFragment: 'section-2',
        }),
      );
      expect(result.code).toBe('noIdpConfigured');
      const query = cdf.loginUrlQuery();
      for (const name of ['redirectUrl', 'errorRedirectUrl']) {
        const url = new URL(query.get(name) ?? '');
        expect(url.hostname).toBe('127.0.0.1');
        expect(url.searchParams.get('tenant')).toBe('acme');
        expect(url.searchParams.get('next')).toBe('/a b?c=d');
        expect(url.searchParams.get('cdf_flow')).toMatch(/^[A-Za-z0-9_-]{22}$/);
        expect(url.hash).toBe('#section-2');
      }
    } finally {
      await cdf.close();
    }
  });

  it('a sign-in with the app’s parameters still completes through the emulator', async () => {
    const pages: Page[] = [];
    const result = await settle(
      loginWithLoginUrl({
        baseUrl: emulator.baseUrl,
        project: 'demo',
        opener: personsBrowser(pages),
        redirectParams: { tenant: 'acme' },
      }),
    );
    expect(result.value?.user).toBe('alice');
  });
});
