/**
 * The limits of one CDF call (src/protocol/http.ts), on a real loopback server or an injected fetch:
 * retries and Retry-After, redirects never followed, the body cap by declared and by read size, how a
 * non-JSON or error answer is reported, and why a connection failed.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createCdfClient } from '../../src/protocol/cdf.js';
import { connectionFailureOf, isLoopbackHost } from '../../src/protocol/http.js';
import { failureOf } from '../helpers/failure.js';
import { freePort, startTestServer } from '../helpers/http-server.js';

const server = await startTestServer();
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const client = (over: Partial<Parameters<typeof createCdfClient>[0]> = {}) =>
  createCdfClient({ baseUrl: server.url, timeoutMs: 5_000, ...over });
const answer = (status: number, body: string, headers: Record<string, string> = {}) =>
  server.handle((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  });
const VALID = '{"data":{"valid":true,"expired":false}}';

describe('retries', () => {
  it('retryLimit bounds the retries of a 503: one retry, two requests, then the 503 fails the call', async () => {
    answer(503, '{}', { 'retry-after': '0' });
    const error = await failureOf(client({ retryLimit: 1 }).getTokenStatus('t'));
    expect(error.code).toBe('http');
    expect(error.status).toBe(503);
    expect(server.requests).toHaveLength(2);
  });

  it('a Retry-After longer than the deadline is honoured: no earlier retry, the call fails', async () => {
    let calls = 0;
    server.handle((_req, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(503, { 'retry-after': '30' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(VALID);
    });
    const error = await failureOf(client({ timeoutMs: 1_500 }).getTokenStatus('t'));
    // Today the wait runs into the deadline (timeout); failing at once with the 503 would do as well.
    expect(['timeout', 'http']).toContain(error.code);
    expect(calls).toBe(1);
  });
});

describe('redirects are never followed', () => {
  it('300 is a redirect too; the failure keeps the status and the request id', async () => {
    answer(300, '', { location: '/elsewhere', 'x-request-id': 'req-300' });
    const error = await failureOf(client().getTokenStatus('t'));
    expect(error.code).toBe('unexpectedRedirect');
    expect(error.status).toBe(300);
    expect(error.requestId).toBe('req-300');
    expect(error.message).toBe(
      `CDF /login/token answered HTTP 300 to ${server.url}; credentials are never sent after a redirect. Check the base URL.`,
    );
  });

  it('a Location that is not a URL is named an unreadable location', async () => {
    answer(302, '', { location: 'https://[oops' });
    const error = await failureOf(client().getTokenStatus('t'));
    expect(error.code).toBe('unexpectedRedirect');
    expect(error.message).toContain('answered HTTP 302 to an unreadable location;');
    expect(error.requestId).toBeUndefined();
  });

  it("a browser's opaque redirect (no status, no body, no Location) is refused as a redirect", async () => {
    const opaque: typeof fetch = async () => {
      const response = Response.error();
      Object.defineProperty(response, 'type', { value: 'opaqueredirect' });
      return response;
    };
    const error = await failureOf(client({ fetch: opaque }).getTokenStatus('t'));
    expect(error.code).toBe('unexpectedRedirect');
    expect(error.status).toBeUndefined();
    expect(error.message).toBe(
      'CDF /login/token answered HTTP redirect to an unknown place; credentials are never sent after a redirect. Check the base URL.',
    );
  });
});

describe('the body cap', () => {
  /** A fetch whose answer declares `length` bytes, whatever it carries. */
  const declaring =
    (length: number): typeof fetch =>
    async () =>
      new Response(VALID, { headers: { 'content-type': 'application/json', 'content-length': String(length) } });

  it('a declared Content-Length over the cap is refused before the body is read', async () => {
    const error = await failureOf(client({ fetch: declaring(1_001), maxBodyBytes: 1_000 }).getTokenStatus('t'));
    expect(error.code).toBe('invalidResponse');
    expect(error.message).toBe('CDF /login/token answered with a body over 1000 bytes; refused.');
  });

  it('a declared Content-Length of exactly the cap, or under it, is read', async () => {
    for (const length of [1_000, 10]) {
      expect(await client({ fetch: declaring(length), maxBodyBytes: 1_000 }).getTokenStatus('t')).toEqual({
        valid: true,
        expired: false,
      });
    }
  });

  it('a character split across two chunks of the body is decoded whole', async () => {
    const bytes = new TextEncoder().encode('{"data":{"loggedIn":true,"user":"José €","project":"p"}}');
    const at = bytes.indexOf(0xc3) + 1;
    const split: typeof fetch = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes.slice(0, at));
            controller.enqueue(bytes.slice(at, -4));
            controller.enqueue(bytes.slice(-4));
            controller.close();
          },
        }),
        { headers: { 'content-type': 'application/json' } },
      );
    expect((await client({ fetch: split }).getLoginStatus({ apiKey: 'key-123456' })).user).toBe('José €');
  });
});

describe('answers that are not what was asked for', () => {
  it('a body that is not JSON names the bare content type and keeps the request id', async () => {
    answer(200, '<html>login</html>', { 'content-type': 'text/html ; charset=utf-8', 'x-request-id': 'req-html' });
    const error = await failureOf(client().getTokenStatus('t'));
    expect(error.code).toBe('invalidResponse');
    expect(error.requestId).toBe('req-html');
    expect(error.message).toBe(
      'CDF /login/token answered 200 with a body that is not JSON (text/html); is the base URL a CDF cluster?',
    );
  });

  it('JSON of the wrong shape keeps the request id', async () => {
    answer(200, '{"data":{"valid":"yes"}}', { 'x-request-id': 'req-shape' });
    const error = await failureOf(client().getTokenStatus('t'));
    expect(error.code).toBe('invalidResponse');
    expect(error.requestId).toBe('req-shape');
  });

  it.each([
    ['error null, with an error_description', { error: null, error_description: 'Bad request.' }, ': Bad request.'],
    ['an error_description that is not text', { error_description: 42 }, ''],
    ['an error object without a message', { error: { code: 400 } }, ''],
    ['a plain error string', { error: 'Something failed' }, ': Something failed'],
  ])('an error answer with %s says what it can', async (_name, body, said) => {
    answer(400, JSON.stringify(body));
    const error = await failureOf(client().getTokenStatus('t'));
    expect(error.code).toBe('http');
    expect(error.message).toBe(`CDF /login/token answered HTTP 400${said}.`);
  });

  it("CDF's error message is cut at 200 characters", async () => {
    answer(400, JSON.stringify({ error: { code: 400, message: `${'a'.repeat(200)}${'b'.repeat(100)}` } }));
    const error = await failureOf(client().getTokenStatus('t'));
    expect(error.message).toBe(`CDF /login/token answered HTTP 400: ${'a'.repeat(200)}.`);
  });
});

describe('a connection that fails', () => {
  it('says which origin could not be reached and why, and keeps the error fetch threw as the cause', async () => {
    const port = await freePort();
    const error = await failureOf(createCdfClient({ baseUrl: `http://127.0.0.1:${port}` }).getTokenStatus('t'));
    expect(error.code).toBe('network');
    expect(error.message).toBe(
      `CDF /login/token failed: could not reach http://127.0.0.1:${port} (nothing listens on that port). Check the URL and the network.`,
    );
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('connectionFailureOf names a known system code in words, else the message with the code', () => {
    const failed = (cause?: unknown) => new TypeError('fetch failed', cause === undefined ? {} : { cause });
    expect(connectionFailureOf(failed({ code: 'ENOTFOUND' }))).toBe('no such host name');
    expect(connectionFailureOf(failed({ code: 'CERT_HAS_EXPIRED' }))).toBe("the host's TLS certificate has expired");
    expect(connectionFailureOf(failed({ code: 'EPROTO' }))).toBe('fetch failed: EPROTO');
    expect(connectionFailureOf(failed({ code: 404 }))).toBe('fetch failed');
    expect(connectionFailureOf(failed())).toBe('fetch failed');
    expect(connectionFailureOf('not an error')).toBe('not an error');
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['http://127.0.0.10', true],
    ['http://127.255.255.254:8080', true],
    ['http://127.10.20.30', true],
    ['http://126.0.0.1', false],
    ['http://10.127.0.0', false],
  ])('%s is loopback: %s', (url, expected) => {
    expect(isLoopbackHost(new URL(url))).toBe(expected);
  });
});
