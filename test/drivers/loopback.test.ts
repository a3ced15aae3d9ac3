import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { openLoopbackListener } from '../../src/drivers/node/loopback.js';
import { portIsClosed } from '../helpers/flows.js';

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
    expect((await get(listener.port, '/callback?code=x', `localhost:${listener.port}`)).status).toBe(400);
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
