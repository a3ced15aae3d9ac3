/**
 * The server driver on a real redis-server: what a Redis dump holds after sign-ins (no token, no code,
 * no verifier, no session cookie, in any key or value), and what a person sees when Redis goes away in
 * the middle of a sign-in and when it comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisServerStores } from '../../src/drivers/server/server-stores.js';
import { type Emulator, type RedisServer, startEmulator, startRedisServer } from '../../src/emulator/index.js';
import { connectRedis, type RedisConnection } from '../../src/stores/redis/connection.js';
import { freePort } from '../helpers/http-server.js';
import { personBrowser, startApp, webAppOptions } from '../helpers/server-app.js';

let redis: RedisServer;
let emulator: Emulator;
let connection: RedisConnection;
let port: number;
let app: Awaited<ReturnType<typeof startApp>>;
const KEY = Buffer.alloc(32, 9).toString('base64');

beforeAll(async () => {
  redis = await startRedisServer();
  port = await freePort();
  emulator = await startEmulator({ webRedirectUris: [`http://127.0.0.1:${port}/auth/callback`] });
  connection = await connectRedis(redis.url, { commandTimeoutMs: 2_000 });
  app = await startApp(
    'node:http',
    port,
    webAppOptions(emulator, port, { stores: createRedisServerStores({ redis: connection, encryptionKeys: [KEY] }) }),
  );
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
  await emulator?.close();
  await redis?.stop();
});

/** Every key and value in Redis, as one text (a dump an operator or an attacker could read). */
async function dump(): Promise<string> {
  const names = (await connection.commands.sendCommand(['KEYS', '*'])) as string[];
  const parts: string[] = [...names];
  for (const name of names) {
    const type = await connection.commands.sendCommand(['TYPE', name]);
    parts.push(JSON.stringify(await connection.commands.sendCommand([type === 'hash' ? 'HGETALL' : 'GET', name])));
  }
  return parts.join('\n');
}

describe('the server on Redis', () => {
  it('keeps no token, code, verifier, state or session cookie readable in Redis, pending or signed in', async () => {
    const browser = personBrowser(`http://127.0.0.1:${port}`);
    const stopped = await browser.signIn('/', (url) => url.includes('/auth/callback'));
    const callback = new URL(stopped.url);
    const pending = await dump();
    expect(pending).toContain('cdf-authflow:pending:');
    for (const secret of [callback.searchParams.get('code'), callback.searchParams.get('state')]) {
      expect(pending).not.toContain(secret);
    }
    expect(pending).not.toMatch(/verifier|codeVerifier|nonce/i);
    expect((await browser.get(stopped.url)).status).toBe(303);
    const session = (await browser.cookie('cdf-session'))?.value ?? '';
    expect(session).not.toBe('');
    const signedIn = await dump();
    expect(signedIn).toContain('cdf-authflow:cred:');
    expect(signedIn).not.toContain(session);
    // No JWT (its header and payload are base64url JSON, each beginning eyJ) and no word of a token set or
    // claim. Not /eyJ/i alone: the sealed values are random base64url, where eYj turned up (a run failed so).
    expect(signedIn).not.toMatch(/eyJ[\w-]*\.eyJ/);
    expect(signedIn).not.toMatch(/access|refresh|alice/i);
    expect(await (await browser.get('/me')).json()).toMatchObject({ subject: expect.any(String) });
  });

  it('answers storeUnavailable (503, a whole page; never "anonymous") while Redis is away, and signs in again once it is back', async () => {
    const browser = personBrowser(`http://127.0.0.1:${port}`);
    await browser.signIn('/');
    const midway = personBrowser(`http://127.0.0.1:${port}`);
    const callback = (await midway.signIn('/', (url) => url.includes('/auth/callback'))).url;
    await redis.stop();
    try {
      const late = await midway.get(callback, { accept: 'application/json' });
      expect(late.status).toBe(503);
      expect(await late.json()).toMatchObject({ error: 'storeUnavailable' });
      const answer = await browser.get('/auth/login?returnTo=/', { accept: 'text/html' });
      expect(answer.status).toBe(503);
      const page = await answer.text();
      expect(page).toContain('<code>storeUnavailable</code>');
      expect(page).toContain(`Redis at ${redis.url} is unavailable`);
      expect(await (await browser.get('/auth/session', { accept: 'application/json' })).json()).toMatchObject({
        error: 'storeUnavailable',
      });
    } finally {
      await redis.restart();
    }
    // The connection comes back on its own; a Redis without persistence comes back empty, so the session
    // is gone (docs/guides/server.md says to persist it).
    await expect
      .poll(async () => (await browser.get('/auth/session')).json(), { timeout: 15_000, interval: 200 })
      .toEqual({ status: 'anonymous' });
    // The sign-in that was waiting for its callback was lost with Redis's memory: refused, typed.
    expect(await (await midway.get(callback, { accept: 'application/json' })).json()).toMatchObject({
      error: 'stateMismatch',
    });
    expect(await browser.signIn('/back')).toEqual({ url: `http://127.0.0.1:${port}/back`, status: 200 });
    expect(await (await browser.get('/auth/session')).json()).toMatchObject({ status: 'signedIn' });
  });
});
