import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { isAuthFlowError } from '../../src/errors/auth-flow-error.js';
import { createCdfClient } from '../../src/protocol/cdf.js';
import { startTestServer } from '../helpers/http-server.js';

const server = await startTestServer();
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const client = (over: object = {}) => createCdfClient({ baseUrl: server.url, timeoutMs: 2_000, ...over });
const failureOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (isAuthFlowError(error))
      return { code: error.code, message: error.message, status: error.status, requestId: error.requestId };
    throw error;
  }
  throw new Error('expected a failure');
};
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  server.handle((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  });

describe('CDF protocol client', () => {
  it('sends x-cdp-sdk, x-cdp-app and the api-key header to /login/status at the host root', async () => {
    json(200, { data: { user: 'svc', loggedIn: true, project: 'demo', projectId: 7, apiKeyId: 3 } });
    const status = await client({ appId: 'my-app' }).getLoginStatus({ apiKey: 'k' });
    expect(status).toEqual({ user: 'svc', loggedIn: true, project: 'demo', projectId: 7, apiKeyId: 3 });
    const req = server.requests[0];
    expect(req?.url).toBe('/login/status');
    expect(req?.headers['api-key']).toBe('k');
    expect(req?.headers['x-cdp-app']).toBe('my-app');
    expect(req?.headers['x-cdp-sdk']).toMatch(/^cdf-authflow:\d+\.\d+\.\d+$/);
  });

  it('reads 401 and loggedIn:false from /login/status alike, as "not logged in"', async () => {
    json(401, { error: { code: 401, message: 'Could not authenticate.' } });
    expect((await client().getLoginStatus({ accessToken: 't' })).loggedIn).toBe(false);
    json(200, { data: { loggedIn: false, user: '', project: '' } });
    expect((await client().getLoginStatus({ accessToken: 't' })).loggedIn).toBe(false);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer t');
  });

  it('treats a /login/url answer without url as "no IdP", and sends the parameters', async () => {
    json(200, { data: {} });
    expect(await client().getLoginUrl({ project: 'p', redirectUrl: 'http://127.0.0.1:1/cb' })).toBeNull();
    expect(server.requests[0]?.url).toBe('/login/url?project=p&redirectUrl=http%3A%2F%2F127.0.0.1%3A1%2Fcb');
  });

  it('turns the CDF error envelope into a typed http failure with status and request id', async () => {
    json(400, { error: { code: 400, message: 'Unknown project.' } }, { 'x-request-id': 'req-1' });
    expect(await failureOf(client().getLoginUrl({ project: 'x', redirectUrl: 'http://a/b' }))).toMatchObject({
      code: 'http',
      status: 400,
      requestId: 'req-1',
      message: expect.stringContaining('Unknown project.'),
    });
  });

  it('retries 429 and 503, honouring Retry-After, then succeeds', async () => {
    let calls = 0;
    server.handle((_req, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(429, { 'retry-after': '0' }).end();
      else if (calls === 2) res.writeHead(503).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"valid":true,"expired":false}}');
    });
    expect(await client().getTokenStatus('t')).toEqual({ valid: true, expired: false });
    expect(calls).toBe(3);
  });

  it('does not retry other errors', async () => {
    json(500, { error: { code: 500, message: 'boom' } });
    expect((await failureOf(client().getTokenStatus('t'))).code).toBe('http');
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['HTML', 'text/html', '<html>login</html>', 'invalidResponse'],
    ['not JSON', 'application/json', '{"data":', 'invalidResponse'],
    ['an empty body', 'application/json', '', 'invalidResponse'],
    ['the wrong shape', 'application/json', '{"data":{"valid":"yes"}}', 'invalidResponse'],
    ['a data array', 'application/json', '{"data":[]}', 'invalidResponse'],
  ])('fails with a typed error on %s', async (_name, type, body, code) => {
    server.handle((_req, res) => res.writeHead(200, { 'content-type': type }).end(body));
    const failure = await failureOf(client().getTokenStatus('t'));
    expect(failure.code).toBe(code);
    expect(failure.message).not.toContain(body.length > 3 ? body : '\0');
  });

  it('refuses a 10 MB body without reading it all', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 10; i += 1) res.write(chunk);
      res.end();
    });
    expect(await failureOf(client().getTokenStatus('t'))).toMatchObject({
      code: 'invalidResponse',
      message: expect.stringContaining('over 1048576 bytes'),
    });
  });

  it('times out on a server that stalls, before or during the body', async () => {
    server.handle(() => {});
    expect((await failureOf(client({ timeoutMs: 200 }).getTokenStatus('t'))).code).toBe('timeout');
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":');
    });
    expect((await failureOf(client({ timeoutMs: 200 }).getTokenStatus('t'))).code).toBe('timeout');
  });

  it('is cancelled by its AbortSignal', async () => {
    server.handle(() => {});
    const abort = new AbortController();
    const pending = client().getTokenStatus('t', { signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    expect((await failureOf(pending)).code).toBe('cancelled');
  });

  it('fails with network when nothing listens', async () => {
    const closed = await startTestServer();
    await closed.close();
    expect((await failureOf(createCdfClient({ baseUrl: closed.url }).getTokenStatus('t'))).code).toBe('network');
  });

  it('never puts the credentials in an error message', async () => {
    json(403, { error: { code: 403, message: 'key secret-key-123 is bad' } });
    const failure = await failureOf(client().getLogoutUrl({ apiKey: 'secret-key-123' }));
    expect(failure.code).toBe('http');
    // The server echoed the key; the message keeps CDF's words but not the key.
    expect(failure.message).toContain('is bad');
    expect(JSON.stringify(failure)).not.toContain('secret-key-123');
  });

  it('parses /api/v1/token/inspect and checks its shape', async () => {
    json(200, { subject: 's', projects: [{ projectUrlName: 'demo', groups: [1] }], capabilities: [] });
    expect(await client().inspectToken('t')).toEqual({
      subject: 's',
      projects: [{ projectUrlName: 'demo', groups: [1] }],
      capabilities: [],
    });
    json(200, { subject: 's', projects: [{ projectUrlName: 5 }], capabilities: [] });
    expect((await failureOf(client().inspectToken('t'))).code).toBe('invalidResponse');
  });
});
