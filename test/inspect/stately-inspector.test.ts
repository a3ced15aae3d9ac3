/**
 * Stately's own inspector (`@statelyai/inspect`, its WebSocket inspector) attached to real Node flows
 * against the emulator, with a local WebSocket server standing in for Stately's viewer: the events
 * arrive, name every state the flow went through, and hold none of the flow's secrets (tokens, the
 * code, the verifier, state, nonce, the client secret) unless the caller asked for `unsafeUnredacted`.
 */
import type { AddressInfo } from 'node:net';
import { createWebSocketInspector } from '@statelyai/inspect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { loginWithAuthorizationCode, loginWithClientCredentials } from '../../src/drivers/node/oidc.js';
import { headlessOpener } from '../../src/drivers/node/opener.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { InspectOptions } from '../../src/protocol/redact-inspection.js';
import { serviceSignIn } from '../helpers/emulator-clients.js';

let emulator: Emulator;
let server: WebSocketServer;
let url = '';
/** Every message the "viewer" received, as text. */
const received: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on('connection', (socket) => socket.on('message', (data) => received.push(String(data))));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await emulator.close();
});

/** Attaches a Stately WebSocket inspector, runs `flow` with it, and answers what reached the viewer. */
async function inspected<T>(flow: (inspect: InspectOptions['inspect']) => Promise<T>) {
  received.length = 0;
  const inspector = createWebSocketInspector({ url });
  try {
    const result = await flow(inspector.inspect);
    // The inspector sends as it goes; the last snapshot (the final state) is the one to wait for.
    await expect.poll(() => received.join('\n'), { timeout: 15_000 }).toContain('"authenticated"');
    return { result, text: received.join('\n'), messages: received.map((m) => JSON.parse(m)) };
  } finally {
    inspector.stop();
  }
}

/** The secrets of a code flow, as they crossed the wire: the authorization URL's and the token requests'. */
function wireSecrets() {
  const secrets: string[] = [];
  const recording: typeof fetch = async (input, init) => {
    const body =
      typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? String(init.body) : '';
    for (const [name, value] of new URLSearchParams(body))
      if (['code', 'code_verifier', 'refresh_token', 'client_secret'].includes(name)) secrets.push(value);
    return fetch(input, init);
  };
  const opener = headlessOpener();
  return {
    secrets,
    fetch: recording,
    opener: async (authorizationUrl: string, options: { readonly signal: AbortSignal }) => {
      const params = new URL(authorizationUrl).searchParams;
      for (const name of ['state', 'nonce', 'code_challenge']) secrets.push(params.get(name) ?? '');
      await opener(authorizationUrl, options);
    },
  };
}

describe("Stately's WebSocket inspector on a real Node flow", () => {
  it('code + PKCE: every state reaches the viewer, and no token, code, verifier, state or nonce does', async () => {
    const wire = wireSecrets();
    const { result, text, messages } = await inspected((inspect) =>
      loginWithAuthorizationCode({
        issuer: emulator.issuer,
        clientId: emulator.clients.cli,
        baseUrl: emulator.baseUrl,
        project: 'demo',
        opener: wire.opener,
        fetch: wire.fetch,
        ...(inspect ? { inspect } : {}),
      }),
    );
    const states = messages.filter((m) => m.type === '@xstate.snapshot').map((m) => m.snapshot?.value);
    expect(states).toEqual(
      expect.arrayContaining([
        'discovering',
        'awaitingCallback',
        'exchangingCode',
        'validatingIdToken',
        'authenticated',
      ]),
    );
    expect(messages.some((m) => m.type === '@xstate.actor' && m.name === 'authorizationCode')).toBe(true);
    expect(text).toContain('[redacted]');
    const secrets = [
      result.tokens.accessToken,
      result.tokens.refreshToken ?? '',
      result.tokens.idToken ?? '',
      ...wire.secrets,
    ].filter((secret) => secret.length >= 8);
    expect(secrets.length).toBeGreaterThanOrEqual(7);
    for (const secret of secrets) {
      const at = text.indexOf(secret);
      expect(at === -1 ? '' : text.slice(Math.max(0, at - 300), at + 60)).toBe('');
    }
  });

  it('client credentials: the client secret and the token stay out; unsafeUnredacted hands the token over as asked', async () => {
    const signIn = serviceSignIn(emulator);
    const redacted = await inspected((inspect) =>
      loginWithClientCredentials({ ...signIn, ...(inspect ? { inspect } : {}) }),
    );
    expect(redacted.text).toContain('"requesting"');
    expect(redacted.text).not.toContain(signIn.clientSecret);
    expect(redacted.text).not.toContain(redacted.result.tokens.accessToken);
    // The check above can fail: without redaction, the token is there for the viewer to see.
    const raw = await inspected((inspect) =>
      loginWithClientCredentials({ ...signIn, ...(inspect ? { inspect } : {}), unsafeUnredacted: true }),
    );
    expect(raw.text).toContain(raw.result.tokens.accessToken);
  });
});
