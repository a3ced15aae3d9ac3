/**
 * The server driver's `inspect`: every sign-in's machine reports to the app's observer, across the
 * redirect (begun on /auth/login, finished on /auth/callback from the kept snapshot), redacted: the
 * observer sees the states and never the code, verifier, state, nonce or tokens.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { freePort } from '../helpers/http-server.js';
import { personBrowser, startApp, webAppOptions } from '../helpers/server-app.js';

let emulator: Emulator;
let port = 0;
beforeAll(async () => {
  port = await freePort();
  emulator = await startEmulator({ webRedirectUris: [`http://127.0.0.1:${port}/auth/callback`] });
  emulator.setNextLogin({ approve: 'alice' });
});
afterAll(() => emulator.close());

describe('createServerAuth({ inspect })', () => {
  it("sees a sign-in's states across the redirect, redacted", async () => {
    const events: InspectionEvent[] = [];
    const app = await startApp('node:http', port, webAppOptions(emulator, port, { inspect: (e) => events.push(e) }));
    try {
      const browser = personBrowser(`http://127.0.0.1:${port}`);
      const end = await browser.signIn('/');
      expect(new URL(end.url).pathname).toBe('/');
      const states = events
        .filter((e) => e.type === '@xstate.snapshot' && e.actorRef.sessionId === e.rootId)
        .map((e) => (e.type === '@xstate.snapshot' ? (e.snapshot as { value?: unknown }).value : null));
      expect(states).toEqual(
        expect.arrayContaining(['discovering', 'awaitingCallback', 'exchangingCode', 'authenticated']),
      );
      const seen = JSON.stringify(events.map((e) => ({ ...e, actorRef: e.actorRef.getSnapshot() })));
      expect(seen).toContain('[redacted]');
      // Every secret-holding field the machine has is there, and holds no value.
      for (const field of ['codeVerifier', 'nonce', 'accessToken', 'refreshToken', 'idToken'])
        expect(seen).toMatch(new RegExp(`"${field}":"\\[redacted\\]"`));
      expect(seen).not.toMatch(/"(codeVerifier|nonce|accessToken|refreshToken|idToken)":"(?!\[redacted\])/);
      expect(seen).not.toMatch(/[?&](code|state)=(?!\[redacted\])/);
      expect(seen).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
    } finally {
      await app.close();
    }
  });
});
