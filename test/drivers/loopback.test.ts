import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { assign, fromPromise, setup } from 'xstate';
import type { Failure } from '../../machines/shared/failure.js';
import type { FlowOutput } from '../../machines/shared/outcome.js';
import { loopbackTarget, openLoopbackListener, runOnLoopback } from '../../src/drivers/node/loopback.js';
import type { Opener } from '../../src/drivers/node/opener.js';
import type { FlowOptions } from '../../src/drivers/node/run-flow.js';
import { AuthFlowError } from '../../src/errors/auth-flow-error.js';
import { escapeHtml } from '../../src/protocol/html.js';
import { portIsClosed } from '../helpers/flows.js';
import { freePort } from '../helpers/http-server.js';

/** A raw GET with a chosen Host header: what a page using DNS rebinding sends to the listener. */
function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('loopback listener (RFC 8252 section 7.3)', () => {
  it('binds 127.0.0.1 on an ephemeral port, not localhost or 0.0.0.0', async () => {
    const listener = await openLoopbackListener();
    expect(listener.redirectUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(listener.port).toBeGreaterThan(1023);
    await listener.close();
  });

  it('refuses other paths, other methods and a foreign Host without reaching the flow; the real request ends it', async () => {
    const listener = await openLoopbackListener();
    const seen: string[] = [];
    listener.serve(async (url) => {
      seen.push(url);
      return { status: 200, html: '<p>done</p>', done: true };
    });
    expect((await fetch(`http://127.0.0.1:${listener.port}/favicon.ico`)).status).toBe(404);
    expect((await fetch(listener.redirectUrl, { method: 'POST' })).status).toBe(405);
    expect((await get(listener.port, '/callback?code=x', 'evil.example:80')).status).toBe(400);
    // DNS rebinding: a name that resolves here but is not a loopback name (localhost:PORT is one, and served).
    expect((await get(listener.port, '/callback?code=x', `rebound.example:${listener.port}`)).status).toBe(400);
    expect(seen).toEqual([]);
    const response = await fetch(`${listener.redirectUrl}?code=x`);
    expect(response.status).toBe(200);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await response.text()).toBe('<p>done</p>');
    expect(seen).toEqual([`${listener.redirectUrl}?code=x`]);
    await listener.close();
    expect(await portIsClosed(listener.port)).toBe(true);
  });

  it('keeps waiting after an answer that is not done, and refuses requests before serve()', async () => {
    const listener = await openLoopbackListener();
    expect((await fetch(`${listener.redirectUrl}?early=1`)).status).toBe(400);
    let n = 0;
    listener.serve(async () => {
      n += 1;
      return n === 1 ? { status: 400, html: 'stray', done: false } : { status: 200, html: 'real', done: true };
    });
    expect((await fetch(`${listener.redirectUrl}?a`)).status).toBe(400);
    expect(await (await fetch(`${listener.redirectUrl}?b`)).text()).toBe('real');
    await listener.close();
    expect(await portIsClosed(listener.port)).toBe(true);
  });

  it('close() lets the answer being written reach the browser, then closes the port', async () => {
    const listener = await openLoopbackListener();
    let release: () => void = () => {};
    listener.serve(
      () => new Promise((resolve) => (release = () => resolve({ status: 200, html: 'x'.repeat(200_000), done: true }))),
    );
    const answer = fetch(listener.redirectUrl).then((r) => r.text());
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = listener.close();
    release();
    expect((await answer).length).toBe(200_000);
    await closed;
    expect(await portIsClosed(listener.port)).toBe(true);
  });
});

/** Holds a port of 127.0.0.1 the way another program would. */
async function occupy(port: number): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/** A raw GET to one address (127.0.0.1 or ::1) with a Host header. */
function getAt(address: string, port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: address, port, path, headers: { host } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const server = net.createServer();
  server.once('error', () => resolve(false));
  server.listen(0, '::1', () => server.close(() => resolve(true)));
});

describe('a registered redirect URI (Okta, Auth0, Cognito, Cognite IdP compare it exactly)', () => {
  it('http://localhost:PORT: the URI sent is exactly the registered one, Host localhost:PORT is served, on 127.0.0.1 and ::1', async () => {
    const port = await freePort();
    const registered = `http://localhost:${port}`;
    const listener = await openLoopbackListener({ redirectUris: [registered] });
    // No trailing slash added: an IdP compares the string.
    expect(listener.redirectUrl).toBe(registered);
    const seen: string[] = [];
    listener.serve(async (url) => {
      seen.push(url);
      return { status: 200, html: 'real', done: true };
    });
    expect(await getAt('127.0.0.1', port, '/?code=x', `evil.example:${port}`)).toBe(400);
    expect(await getAt('127.0.0.1', port, '/favicon.ico', `localhost:${port}`)).toBe(404);
    expect(seen).toEqual([]);
    // The browser may resolve localhost to ::1 first: the listener is there too.
    const address = hasIpv6Loopback ? '::1' : '127.0.0.1';
    expect(await getAt(address, port, '/?code=x', `localhost:${port}`)).toBe(200);
    expect(seen).toEqual([`http://localhost:${port}/?code=x`]);
    // Single use: the port closes after the real callback, on both addresses.
    await listener.close();
    expect(await portIsClosed(port)).toBe(true);
  });

  it('a busy port falls back to the next registered one; all busy is a typed error naming them', async () => {
    const [first, second] = [await freePort(), await freePort()];
    const held = await occupy(first);
    try {
      const listener = await openLoopbackListener({
        redirectUris: [`http://localhost:${first}/`, `http://localhost:${second}/`],
      });
      expect(listener.redirectUrl).toBe(`http://localhost:${second}/`);
      await listener.close();
      const held2 = await occupy(second);
      try {
        const error = await openLoopbackListener({
          redirectUris: [`http://localhost:${first}/`, `http://localhost:${second}/`],
        }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AuthFlowError);
        expect((error as AuthFlowError).message).toContain(`${first}, ${second}`);
        const one = await openLoopbackListener({ redirectUris: [`http://127.0.0.1:${first}/cb`] }).catch(
          (e: unknown) => e,
        );
        expect((one as AuthFlowError).message).toMatch(new RegExp(`Port ${first} .*--redirect-uri`));
      } finally {
        held2.close();
      }
    } finally {
      held.close();
    }
  });

  it('regression: a registered port held for a moment (another program connecting out from it) is waited for', async () => {
    const port = await freePort();
    const held = await occupy(port);
    // Let go after 300 ms, as an outgoing connection that took the port as its ephemeral one ends.
    setTimeout(() => held.close(), 300);
    const listener = await openLoopbackListener({ redirectUris: [`http://127.0.0.1:${port}/cb`] });
    expect(listener.redirectUrl).toBe(`http://127.0.0.1:${port}/cb`);
    await listener.close();
  });

  it('no port means any port (Entra ID ignores it); the path is kept', async () => {
    const listener = await openLoopbackListener({ redirectUris: ['http://localhost/auth/done'] });
    expect(listener.redirectUrl).toBe(`http://localhost:${listener.port}/auth/done`);
    await listener.close();
  });

  it('refuses what is not a loopback redirect, naming what to fix', () => {
    expect(() => loopbackTarget('https://localhost:3000/')).toThrow(/not a loopback one/);
    expect(() => loopbackTarget('http://example.com:3000/')).toThrow(/localhost, 127\.0\.0\.1 or \[::1\]/);
    expect(() => loopbackTarget('http://localhost:3000/?a=b')).toThrow(/no query/);
    expect(() => loopbackTarget('localhost:3000')).toThrow(/not a URL|not a loopback/);
  });
});

/** What the tiny flow below signs in as, or fails with. */
interface Verdict {
  readonly user?: string;
  readonly failure?: Failure;
}

/**
 * A flow of the loopback's shape, small enough to read: it sends the browser to the listener itself with
 * `?code=…`, waits for the callback, then `check`s it (signed in as the user it names, or failed as it
 * says). Its states are those of the login-URL and code flows the driver sees.
 */
function tinyFlow(check: (signal: AbortSignal) => Promise<Verdict>) {
  return setup({
    types: {
      context: {} as { ignoredCallbacks: number; verdict: Verdict | null; issuer: string; project: string },
      input: {} as { issuer: string; project: string },
      events: {} as { type: 'START' } | { type: 'CALLBACK'; url: string } | { type: 'CANCEL' },
      output: {} as FlowOutput<{ user: string; project: string }>,
    },
    actors: {
      navigateToIdp: fromPromise<void>(async () => {}),
      check: fromPromise<Verdict>(({ signal }) => check(signal)),
    },
  }).createMachine({
    id: 'tiny',
    context: ({ input }) => ({ ignoredCallbacks: 0, verdict: null, ...input }),
    initial: 'idle',
    output: ({ context }): FlowOutput<{ user: string; project: string }> =>
      context.verdict?.user
        ? { status: 'signedIn', credential: { user: context.verdict.user, project: context.project } }
        : context.verdict?.failure
          ? { status: 'failed', failure: context.verdict.failure }
          : { status: 'cancelled' },
    states: {
      idle: { on: { START: 'redirectingToIdp' } },
      redirectingToIdp: {
        invoke: { src: 'navigateToIdp', onDone: 'awaitingCallback' },
        on: { CALLBACK: 'checking', CANCEL: 'cancelled' },
      },
      awaitingCallback: { on: { CALLBACK: 'checking', CANCEL: 'cancelled' } },
      checking: {
        invoke: {
          src: 'check',
          onDone: [
            {
              guard: ({ event }) => !event.output.user,
              target: 'failed',
              actions: assign({ verdict: ({ event }) => event.output }),
            },
            { target: 'authenticated', actions: assign({ verdict: ({ event }) => event.output }) },
          ],
        },
        on: { CANCEL: 'cancelled' },
      },
      authenticated: { type: 'final' },
      failed: { type: 'final' },
      cancelled: { type: 'final' },
    },
  });
}

/**
 * Runs {@link tinyFlow} on a loopback listener with a browser that fetches the callback and resolves only
 * once the page arrived (as the headless browser does); answers the flow's end, its transitions and the page.
 */
async function tinyRun(check: (signal: AbortSignal) => Promise<Verdict>, options: FlowOptions = {}) {
  const transitions: string[] = [];
  let page: Awaited<ReturnType<typeof get>> | undefined;
  let callbackUrl = '';
  const browser: Opener = async (url) => {
    callbackUrl = url;
    const { host, pathname, search } = new URL(url);
    page = await get(Number(new URL(url).port), pathname + search, host);
  };
  const ended = await runOnLoopback(
    { ...options, opener: browser, onTransition: (t) => transitions.push(t.to) },
    ({ redirectUrl, navigate }) => ({
      flow: {
        machine: tinyFlow(check).provide({
          actors: { navigateToIdp: fromPromise(() => navigate(`${redirectUrl}?code=${CODE}`)) },
        }),
        effects: {},
      },
      input: { issuer: 'https://idp.example/tenant/v2.0', project: 'demo' },
      start: { type: 'START' as const },
      toEvent: (url) => ({ type: 'CALLBACK', url }),
    }),
  ).then(
    (output) => ({ output, error: undefined }),
    (error: unknown) => ({ output: undefined, error }),
  );
  // The page is written before the listener closes; the browser may still be reading it.
  for (let i = 0; i < 100 && page === undefined; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  return { ...ended, page, callbackUrl, transitions };
}

const CODE = 'the-authorization-code-4f9d2c';
const stall = (signal: AbortSignal) =>
  new Promise<Verdict>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
const wholePage = (page: { status: number; body: string } | undefined, status: number) => {
  expect(page?.status).toBe(status);
  expect(page?.body).toMatch(/^<!doctype html>.*<\/html>$/s);
  expect(page?.body).toContain('<meta name="referrer" content="no-referrer">');
  // Nothing loaded from elsewhere: no src, no href, no url().
  expect(page?.body).not.toMatch(/\ssrc=|\shref=|url\(/);
  expect(page?.body).not.toContain(CODE);
};

describe('the page after the real callback says how the flow ended, as the caller is told', () => {
  it('signed in: who, which project, which IdP; no code', async () => {
    const run = await tinyRun(async () => ({ user: 'alice' }));
    expect(run.output?.status).toBe('signedIn');
    wholePage(run.page, 200);
    expect(run.page?.body).toContain('<h1 class="ok">Signed in</h1>');
    expect(run.page?.body).toMatch(/<dt>User<\/dt><dd><code>alice<\/code><\/dd>/);
    expect(run.page?.body).toMatch(/<dt>Project<\/dt><dd><code>demo<\/code><\/dd>/);
    expect(run.page?.body).toMatch(/<dt>Identity provider<\/dt><dd><code>idp\.example<\/code><\/dd>/);
    expect(run.callbackUrl).toContain(CODE);
    // The browser came back before its opener was done; the callback still waited for awaitingCallback.
    expect(run.transitions).toEqual(['idle', 'redirectingToIdp', 'awaitingCallback', 'checking', 'authenticated']);
  });

  it('failed: the message escaped and redacted, the code, where it happened, what to do', async () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl';
    const failure: Failure = {
      code: 'projectMismatch',
      message: `CDF says <script>alert(1)</script> has no access to "demo" (${jwt}).`,
      status: 403,
      state: 'checking',
      event: 'xstate.done.actor.check',
      guard: 'isOtherProject',
    };
    const run = await tinyRun(async () => ({ failure }));
    expect(run.output).toEqual({ status: 'failed', failure });
    wholePage(run.page, 400);
    const body = run.page?.body ?? '';
    expect(body).toContain('<h1 class="failed">Sign-in failed</h1>');
    expect(body).toContain('CDF says &#60;script&#62;alert(1)&#60;/script&#62; has no access to &#34;demo&#34;');
    expect(body).not.toContain('<script>');
    expect(body).not.toContain(jwt);
    for (const [label, value] of [
      ['Code', 'projectMismatch'],
      ['HTTP status', '403'],
      ['State', 'checking'],
      ['Event', 'xstate.done.actor.check'],
      ['Guard', 'isOtherProject'],
    ]) {
      expect(body).toContain(`<dt>${label}</dt><dd><code>${value}</code></dd>`);
    }
    expect(body).not.toContain('<dt>Actor</dt>');
    expect(body).toMatch(/Do what the message says, then sign in again\./);
    expect(body).not.toMatch(/cancel/i);
  });

  it('cancelled (Ctrl-C) says cancelled', async () => {
    const abort = new AbortController();
    const run = await tinyRun(
      (signal) => {
        abort.abort();
        return stall(signal);
      },
      { signal: abort.signal },
    );
    expect(run.output?.status).toBe('cancelled');
    wholePage(run.page, 400);
    expect(run.page?.body).toContain('<h1 class="failed">Sign-in cancelled</h1>');
    expect(run.page?.body).toContain('<dt>Code</dt><dd><code>cancelled</code></dd>');
  });

  it('regression: a flow ended by its deadline says timeout, as its caller is told, not "cancelled"', async () => {
    // totalTimeoutMs: runFlow rejects with timeout (the page said "Sign-in was cancelled.").
    const total = await tinyRun(stall, { totalTimeoutMs: 100 });
    expect((total.error as AuthFlowError).code).toBe('timeout');
    expect(total.page?.body).not.toMatch(/cancel/i);
    expect(total.page?.body).toContain(escapeHtml((total.error as AuthFlowError).message));
    wholePage(total.page, 400);
    expect(total.page?.body).toContain('<dt>Code</dt><dd><code>timeout</code></dd>');
    // A signal that timed out (the CLI's --timeout): the flow is cancelled, the caller reports a timeout.
    const signal = await tinyRun(stall, { signal: AbortSignal.timeout(300) });
    expect(signal.output?.status).toBe('cancelled');
    expect(signal.page?.body).not.toMatch(/cancel/i);
    expect(signal.page?.body).toContain('<dt>Code</dt><dd><code>timeout</code></dd>');
  });
});
