/**
 * How the CDF client reads the answers of its endpoints when they are not the documented shape, which
 * of a call's values are kept out of its error messages, and the legacy validation's cancellation.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createCdfClient } from '../../src/protocol/cdf.js';
import { validateLegacyTokens } from '../../src/protocol/legacy.js';
import { failureOf } from '../helpers/failure.js';
import { startTestServer } from '../helpers/http-server.js';

const server = await startTestServer();
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const client = () => createCdfClient({ baseUrl: server.url, timeoutMs: 5_000 });
const answer = (status: number, body: string) =>
  server.handle((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
const URL_LIST = JSON.stringify({ data: { url: ['https://idp.example/login'] } });

describe('answers without the documented shape', () => {
  it('a /login/url whose url is a list, not a string, is invalidResponse', async () => {
    answer(200, URL_LIST);
    const error = await failureOf(client().getLoginUrl({ project: 'p', redirectUrl: 'http://127.0.0.1:1/cb' }));
    expect(error.code).toBe('invalidResponse');
    expect(error.message).toBe('CDF /login/url answered 200 without an http(s) "url"; is the base URL a CDF cluster?');
  });

  it.each([
    ['a url that is a list', URL_LIST],
    ['no data', '{}'],
    ['an empty body', ''],
  ])('a /logout/url answer with %s is invalidResponse', async (_name, body) => {
    answer(200, body);
    const error = await failureOf(client().getLogoutUrl({ accessToken: 'token-123456' }));
    expect(error.code).toBe('invalidResponse');
    expect(error.message).toBe('CDF /logout/url answered 200 without an http(s) "url"; is the base URL a CDF cluster?');
  });

  it('a /logout/url with an http(s) url gives it; a 401 gives null', async () => {
    answer(200, JSON.stringify({ data: { url: 'https://idp.example/logout' } }));
    expect(await client().getLogoutUrl({ accessToken: 'token-123456' })).toBe('https://idp.example/logout');
    answer(401, '{}');
    expect(await client().getLogoutUrl({ accessToken: 'token-123456' })).toBeNull();
  });

  it('an empty /api/v1/token/inspect answer is invalidResponse', async () => {
    answer(200, '');
    const error = await failureOf(client().inspectToken('token-123456'));
    expect(error.code).toBe('invalidResponse');
    expect(error.message).toContain('without "subject", "projects" and "capabilities"');
  });
});

describe("what stays out of a call's error messages", () => {
  it('the ID token sent to /login/token is scrubbed when CDF echoes it', async () => {
    const idToken = 'legacy-id-token-abcdef';
    answer(400, JSON.stringify({ error: { code: 400, message: `Token ${idToken} is malformed` } }));
    const error = await failureOf(client().getTokenStatus(idToken));
    expect(error.message).toBe('CDF /login/token answered HTTP 400: Token [redacted] is malformed.');
  });

  it('the project and redirect URL are no secrets: CDF naming them stays in the message', async () => {
    answer(400, JSON.stringify({ error: { code: 400, message: 'Unknown project demo-project-x' } }));
    const error = await failureOf(
      client().getLoginUrl({ project: 'demo-project-x', redirectUrl: 'http://127.0.0.1:1/callback' }),
    );
    expect(error.message).toBe('CDF /login/url answered HTTP 400: Unknown project demo-project-x.');
  });
});

describe('validateLegacyTokens', () => {
  const tokens = { accessToken: 'legacy-access-token', idToken: 'legacy-id-token' };

  it.each([
    ['/login/token', '/login/status'],
    ['/login/status', '/login/token'],
  ])('the caller aborting cancels %s too, while %s has answered', async (stalled) => {
    const controller = new AbortController();
    server.handle((req, res) => {
      const path = new URL(req.url ?? '/', server.url).pathname;
      if (path === stalled) return;
      // The abort comes once the other answer is in: only the stalled call is left to cancel.
      res.on('finish', () => setTimeout(() => controller.abort(), 300));
      res.writeHead(200, { 'content-type': 'application/json' });
      const data =
        path === '/login/status' ? { loggedIn: true, user: 'u', project: 'p' } : { valid: true, expired: false };
      res.end(JSON.stringify({ data }));
    });
    const cdf = createCdfClient({ baseUrl: server.url, timeoutMs: 3_000 });
    const error = await failureOf(validateLegacyTokens(cdf, tokens, controller.signal));
    // Not a timeout of the stalled call (3 s): the caller's abort reached it.
    expect(error.code).toBe('cancelled');
  });
});
