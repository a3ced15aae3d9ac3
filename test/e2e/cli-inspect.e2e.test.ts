/**
 * `cdf-auth login --inspect URL`: the flow's inspection events reach a Stately inspector's WebSocket
 * (here a local server standing in for its bridge), redacted; a wrong URL or one where nothing listens
 * is a usage error that says what to do, before any sign-in.
 */

import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { emulatorCli } from '../helpers/cli-suite.js';

const { codeLogin, tokenFile } = await emulatorCli({ prefix: 'cdf-auth-inspect-' });
let server: WebSocketServer;
let url = '';
const received: string[] = [];

beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on('connection', (socket) => socket.on('message', (data) => received.push(String(data))));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('login --inspect URL', () => {
  it("sends the flow's states to the inspector, and no token", async () => {
    const login = await codeLogin(['--inspect', url]);
    expect(login.code).toBe(0);
    const text = received.join('\n');
    expect(text).toContain('"type":"@xstate.actor"');
    expect(text).toContain('"value":"authenticated"');
    const entry = JSON.parse(await readFile(await tokenFile(), 'utf8'));
    for (const secret of [entry.tokens.accessToken, entry.tokens.refreshToken, entry.tokens.idToken])
      expect(text).not.toContain(secret);
  });

  it('a URL that is not a WebSocket, or where nothing listens, is a usage error naming what to do', async () => {
    const wrong = await codeLogin(['--inspect', 'http://localhost:8080']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('--inspect takes the WebSocket URL of a Stately inspector');
    const closed = await codeLogin(['--inspect', 'ws://127.0.0.1:9']);
    expect(closed.code).toBe(2);
    expect(closed.err).toContain('nothing listens there. Start the inspector first');
  });
});
