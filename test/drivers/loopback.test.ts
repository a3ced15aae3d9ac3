import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { loopbackTarget, openLoopbackListener } from '../../src/drivers/node/loopback.js';
import { AuthFlowError } from '../../src/errors/auth-flow-error.js';
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
