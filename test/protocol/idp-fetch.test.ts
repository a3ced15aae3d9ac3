/** The IdP fetch's limits, one by one, on a real loopback server. */
import { afterAll, describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/protocol/http.js';
import { type IdpAnswerRecord, idpFetch } from '../../src/protocol/idp-fetch.js';
import { failureOf as failure } from '../helpers/failure.js';
import { startTestServer } from '../helpers/http-server.js';

const server = await startTestServer();
afterAll(() => server.close());

const fetchWith = (over: { retryLimit?: number; maxBodyBytes?: number; deadline?: number } = {}) => {
  const record: IdpAnswerRecord = {};
  const f = idpFetch({ deadline: over.deadline ?? Date.now() + 10_000, record, ...over });
  return { f, record };
};

describe('idpFetch', () => {
  it('records the status and content type of the answer, and hands back the whole body', async () => {
    server.handle((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' });
      res.end('{"a":1}');
    });
    const { f, record } = fetchWith();
    const response = await f(server.url);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ a: 1 });
    expect(record).toEqual({ status: 201, contentType: 'application/json; charset=utf-8' });
  });

  it('a 204 comes back with no body', async () => {
    server.handle((_req, res) => res.writeHead(204).end());
    const response = await fetchWith().f(server.url);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('a body of exactly the cap is accepted, one byte more is refused', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(100));
    });
    expect(await (await fetchWith({ maxBodyBytes: 100 }).f(server.url)).text()).toHaveLength(100);
    const refused = await failure(fetchWith({ maxBodyBytes: 99 }).f(server.url));
    expect(refused.code).toBe('invalidResponse');
    expect(refused.message).toContain('99 bytes');
    expect(refused.status).toBe(200);
  });

  it('Retry-After as an HTTP date is honoured; without Retry-After the wait is 1 s', async () => {
    let n = 0;
    server.handle((_req, res) => {
      n += 1;
      if (n === 1) res.writeHead(503, { 'retry-after': new Date(Date.now() + 500).toUTCString() }).end();
      else if (n === 2) res.writeHead(429).end();
      else res.writeHead(200).end('ok');
    });
    const response = await fetchWith().f(server.url);
    expect(await response.text()).toBe('ok');
    expect(n).toBe(3);
  });

  it('an unreadable Retry-After counts as 1 s; retries stop at the limit and hand back the last answer', async () => {
    let n = 0;
    server.handle((_req, res) => {
      n += 1;
      res.writeHead(503, { 'retry-after': 'soon' }).end('busy');
    });
    const response = await fetchWith({ retryLimit: 1 }).f(server.url);
    expect(response.status).toBe(503);
    expect(n).toBe(2);
    n = 0;
    expect((await fetchWith({ retryLimit: 0 }).f(server.url)).status).toBe(503);
    expect(n).toBe(1);
  });

  it('a code exchange is retried at most once even with a higher limit; other grants use the limit', async () => {
    let n = 0;
    server.handle((req, res) => {
      n += 1;
      req.resume();
      res.writeHead(503, { 'retry-after': '0' }).end();
    });
    const code = new URLSearchParams({ grant_type: 'authorization_code', code: 'c' });
    await fetchWith({ retryLimit: 3 }).f(server.url, { method: 'POST', body: code });
    expect(n).toBe(2);
    n = 0;
    const refresh = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'r' });
    await fetchWith({ retryLimit: 3 }).f(server.url, { method: 'POST', body: refresh });
    expect(n).toBe(4);
  });

  it('a wait for Retry-After ends at once when the call is aborted', async () => {
    server.handle((_req, res) => res.writeHead(503, { 'retry-after': '5' }).end());
    const abort = new AbortController();
    const pending = fetchWith().f(server.url, { signal: abort.signal });
    setTimeout(() => abort.abort(new Error('stop')), 100);
    await expect(pending).rejects.toThrow('stop');
  });

  it('a Retry-After that ends past the deadline is not waited for', async () => {
    let n = 0;
    server.handle((_req, res) => {
      n += 1;
      res.writeHead(429, { 'retry-after': '2' }).end();
    });
    const response = await fetchWith({ deadline: Date.now() + 1_000 }).f(server.url);
    expect(response.status).toBe(429);
    expect(n).toBe(1);
  });
});

describe('idpFetch reading the body', () => {
  /** A fetch that answers with these chunks, then ends (or breaks off with `fail`). */
  const chunked =
    (chunks: string[], init: ResponseInit = {}, fail?: Error): typeof fetch =>
    async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
            if (fail) controller.error(fail);
            else controller.close();
          },
        }),
        init,
      );
  const withFetch = (answer: typeof globalThis.fetch, maxBodyBytes?: number) =>
    idpFetch({ deadline: Date.now() + 10_000, record: {}, fetch: answer, ...(maxBodyBytes ? { maxBodyBytes } : {}) });

  it('a body in many chunks comes back whole and in order', async () => {
    const response = await withFetch(chunked(['ab', 'cde', '', 'f']))('http://127.0.0.1:1/');
    expect(await response.text()).toBe('abcdef');
  });

  it('205 and 304 come back with no body, whatever was sent', async () => {
    for (const status of [205, 304]) {
      const response = await withFetch(async () => new Response(null, { status }))('http://127.0.0.1:1/');
      expect(response.status).toBe(status);
      expect(response.body).toBeNull();
    }
  });

  it('a declared Content-Length of exactly the cap is read; one more is refused before reading', async () => {
    const sized =
      (length: number): typeof fetch =>
      async () =>
        new Response('x'.repeat(10), { headers: { 'content-length': String(length) } });
    expect(await (await withFetch(sized(10), 10)('http://127.0.0.1:1/')).text()).toBe('x'.repeat(10));
    const refused = await failure(withFetch(sized(11), 10)('http://127.0.0.1:1/'));
    expect(refused.code).toBe('invalidResponse');
  });

  it('a body that breaks off is a network failure without the raw error; an aborted read keeps its own error', async () => {
    const broken = await failure(withFetch(chunked(['ab'], {}, new Error('socket hang up')))('http://127.0.0.1:1/'));
    expect(broken.code).toBe('network');
    expect(broken.message).toBe('The connection to the IdP broke off in the middle of its answer.');
    expect((broken.cause as Error).message).toBe('socket hang up');
    const controller = new AbortController();
    controller.abort();
    const reason = new Error('stopped by the caller');
    const f = withFetch(chunked(['ab'], {}, reason));
    await expect(f('http://127.0.0.1:1/', { signal: controller.signal })).rejects.toBe(reason);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['http://127.0.0.1:1', true],
    ['http://127.1.2.3', true],
    ['http://[::1]:8', true],
    ['http://localhost', true],
    ['http://127.0.0.1.example.com', false],
    ['http://128.0.0.1', false],
    ['http://example.com', false],
    ['http://localhost.example', false],
  ])('%s is loopback: %s', (url, expected) => {
    expect(isLoopbackHost(new URL(url))).toBe(expected);
  });
});
