/**
 * The IdP fetch's waits and records (src/protocol/idp-fetch.ts): which error bodies are kept for the
 * diagnostics, how long a 429 or 503 asks to wait when it says nothing or a date (judged against the
 * deadline, not by the clock), and that the caller's abort ends a wait.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type IdpAnswerRecord, idpFetch } from '../../src/protocol/idp-fetch.js';
import { failureOf } from '../helpers/failure.js';
import { startTestServer } from '../helpers/http-server.js';

const server = await startTestServer();
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const fetchWith = (over: { deadline?: number; retryLimit?: number; fetch?: typeof fetch } = {}) => {
  const record: IdpAnswerRecord = {};
  return { f: idpFetch({ deadline: Date.now() + 10_000, record, ...over }), record };
};

describe('the error body kept for diagnostics', () => {
  const body = { error: 'invalid_request', trace_id: 'trace-1' };

  it.each([400, 401, 404, 499])('a JSON %i answer is kept', async (status) => {
    server.handle((_req, res) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
    );
    const { f, record } = fetchWith();
    const response = await f(server.url);
    expect(record.errorBody).toEqual(body);
    // The answer itself still comes back whole.
    expect(await response.json()).toEqual(body);
  });

  it.each([200, 302, 500, 502])('a JSON %i answer is not kept', async (status) => {
    server.handle((_req, res) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
    );
    const { f, record } = fetchWith();
    expect((await f(server.url)).status).toBe(status);
    expect(record.errorBody).toBeUndefined();
  });

  it('a 4xx that says JSON but is not: nothing kept, and the answer still comes back', async () => {
    server.handle((_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":'));
    const { f, record } = fetchWith();
    expect(await (await f(server.url)).text()).toBe('{"error":');
    expect(record).toEqual({ status: 400, contentType: 'application/json' });
  });
});

describe('how long a 429 or 503 asks to wait, against the deadline', () => {
  it('no Retry-After means 1 s: with less than that left, no retry', async () => {
    server.handle((_req, res) => res.writeHead(429).end());
    const response = await fetchWith({ deadline: Date.now() + 900 }).f(server.url);
    expect(response.status).toBe(429);
    expect(server.requests).toHaveLength(1);
  });

  it('an empty Retry-After means 1 s too', async () => {
    let calls = 0;
    const answer: typeof fetch = async () => {
      calls += 1;
      return new Response(null, { status: 503, headers: { 'retry-after': '' } });
    };
    const response = await fetchWith({ deadline: Date.now() + 900, fetch: answer }).f('http://127.0.0.1:1/');
    expect(response.status).toBe(503);
    expect(calls).toBe(1);
  });

  it('a Retry-After date past the deadline is not waited for', async () => {
    server.handle((_req, res) =>
      res.writeHead(503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }).end(),
    );
    const response = await fetchWith({ deadline: Date.now() + 10_000 }).f(server.url);
    expect(response.status).toBe(503);
    expect(server.requests).toHaveLength(1);
  });

  it('a 503 without a body is retried like any other', async () => {
    let calls = 0;
    const answer: typeof fetch = async () => {
      calls += 1;
      return calls === 1
        ? new Response(null, { status: 503, headers: { 'retry-after': '0' } })
        : new Response('ok', { status: 200 });
    };
    expect(await (await fetchWith({ fetch: answer }).f('http://127.0.0.1:1/')).text()).toBe('ok');
    expect(calls).toBe(2);
  });
});

describe("the caller's abort ends a wait", () => {
  /** A fetch that ignores the signal: 503 with Retry-After first, then 200; `onFirst` runs after the first answer. */
  const busyThenOk = (retryAfter: string, onFirst: () => void = () => {}) => {
    let calls = 0;
    const answer: typeof fetch = async () => {
      calls += 1;
      if (calls > 1) return new Response('ok');
      setTimeout(onFirst, 20);
      return new Response('busy', { status: 503, headers: { 'retry-after': retryAfter } });
    };
    return { answer, calls: () => calls };
  };

  it('a signal aborted before the wait: no wait, no second request, the abort reason', async () => {
    const reason = new Error('stopped before the wait');
    const { answer, calls } = busyThenOk('1');
    const pending = fetchWith({ fetch: answer }).f('http://127.0.0.1:1/', { signal: AbortSignal.abort(reason) });
    await expect(pending).rejects.toBe(reason);
    expect(calls()).toBe(1);
  });

  it('a signal aborted during the wait: the wait ends with the abort reason, no second request', async () => {
    const controller = new AbortController();
    const reason = new Error('stopped during the wait');
    const { answer, calls } = busyThenOk('3', () => controller.abort(reason));
    const pending = fetchWith({ fetch: answer }).f('http://127.0.0.1:1/', { signal: controller.signal });
    await expect(pending).rejects.toBe(reason);
    expect(calls()).toBe(1);
  });
});

describe('a declared size over the cap', () => {
  it('is refused also for an answer that has no body to read', async () => {
    const answer: typeof fetch = async () => new Response(null, { status: 200, headers: { 'content-length': '5000' } });
    const error = await failureOf(
      idpFetch({ deadline: Date.now() + 10_000, record: {}, fetch: answer, maxBodyBytes: 100 })('http://127.0.0.1:1/'),
    );
    expect(error.code).toBe('invalidResponse');
    expect(error.message).toBe('The IdP answered with a body over 100 bytes; refused.');
  });
});
