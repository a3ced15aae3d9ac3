import * as sdk from '@cognite/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loginWithAuthorizationCode,
  loginWithClientCredentials,
  loginWithDeviceCode,
} from '../../src/drivers/node/oidc.js';
import { headlessOpener } from '../../src/drivers/node/opener.js';
import type { FlowTransition } from '../../src/drivers/node/run-flow.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { isAuthFlowError } from '../../src/errors/auth-flow-error.js';
import { sessionFor } from '../../src/session/oidc-session.js';
import { createSession } from '../../src/session/session.js';
import { portIsClosed, portOf, scriptedOpener } from '../helpers/flows.js';

// @cognite/sdk 10.5 ships `export * from './src/index'` (no extension), which TypeScript's NodeNext
// resolution cannot follow; the runtime import works. Type the few members this test uses.
interface SdkClient {
  authenticate(): Promise<unknown>;
  assets: { list(): { autoPagingToArray(options: { limit: number }): Promise<Array<{ externalId?: string }>> } };
}
const { CogniteClient } = sdk as unknown as {
  CogniteClient: new (options: {
    appId: string;
    project: string;
    baseUrl: string;
    oidcTokenProvider: () => Promise<string>;
  }) => SdkClient;
};

let emulator: Emulator;
let shortLived: Emulator;
beforeAll(async () => {
  [emulator, shortLived] = await Promise.all([startEmulator(), startEmulator({ accessTokenTtlMs: 2_000 })]);
});
afterAll(() => Promise.all([emulator.close(), shortLived.close()]));

const oidc = (e: Emulator) => ({ issuer: e.issuer, baseUrl: e.baseUrl, clientId: e.clients.cli, project: 'demo' });
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (isAuthFlowError(error)) return error.code;
    throw error;
  }
};

describe('code + PKCE through a loopback redirect, against oidc-provider', () => {
  it('signs alice in, verifies the ID token, asks token/inspect, and closes the port', async () => {
    const seen: string[] = [];
    const transitions: FlowTransition[] = [];
    const signIn = await loginWithAuthorizationCode({
      ...oidc(emulator),
      opener: scriptedOpener((url) => url, seen, { detach: true }),
      onTransition: (t) => transitions.push(t),
    });
    expect(signIn.claims).toMatchObject({ iss: emulator.issuer, sub: 'alice', aud: 'cli-native' });
    expect(signIn.inspection).toMatchObject({ subject: 'alice', projects: expect.arrayContaining(['demo']) });
    expect(signIn.tokens.refreshToken).toBeTruthy();
    expect(transitions.map((t) => t.to)).toEqual([
      'idle',
      'discovering',
      'redirectingToIdp',
      'awaitingCallback',
      'exchangingCode',
      'validatingIdToken',
      'inspectingToken',
      'authenticated',
    ]);
    const callback = new URL(seen[0] ?? '');
    expect(callback.hostname).toBe('127.0.0.1');
    expect(callback.searchParams.get('iss')).toBe(emulator.issuer);
    expect(await portIsClosed(portOf(seen[0] ?? ''))).toBe(true);
    expect(JSON.stringify(transitions)).not.toContain(signIn.tokens.accessToken);
  });

  it('redeems the code at most once: a replayed callback reaches no listener', async () => {
    const seen: string[] = [];
    await loginWithAuthorizationCode({ ...oidc(emulator), opener: scriptedOpener((url) => url, seen) });
    await expect(fetch(seen[0] ?? '')).rejects.toThrow();
  });

  it('ends in accessDenied when the person denies at the IdP', async () => {
    emulator.setNextLogin({ deny: true });
    const code = await codeOf(loginWithAuthorizationCode({ ...oidc(emulator), opener: headlessOpener() }));
    emulator.setNextLogin({ approve: 'alice' });
    expect(code).toBe('accessDenied');
  });

  it('ends in projectMismatch when token/inspect does not list the project', async () => {
    emulator.setNextLogin({ approve: 'bob' });
    const code = await codeOf(loginWithAuthorizationCode({ ...oidc(emulator), opener: headlessOpener() }));
    emulator.setNextLogin({ approve: 'alice' });
    expect(code).toBe('projectMismatch');
  });

  it('refreshes through the session with a rotated refresh token; reusing the old one ends in reauthRequired', async () => {
    const signIn = await loginWithAuthorizationCode({ ...oidc(emulator), opener: headlessOpener() });
    const session = sessionFor(signIn, oidc(emulator));
    session.actor.send({ type: 'RENEW', now: Date.now() });
    const refreshed = await session.getToken();
    expect(refreshed).not.toBe(signIn.tokens.accessToken);
    expect(session.actor.getSnapshot().context.tokens?.refreshToken).not.toBe(signIn.tokens.refreshToken);
    // A second session still holding the old refresh token: the IdP detects reuse (RFC 9700 2.2.2).
    const stale = sessionFor(signIn, oidc(emulator));
    stale.actor.send({ type: 'RENEW', now: Date.now() });
    await expect(stale.getToken()).rejects.toMatchObject({ code: 'invalidGrant' });
    expect(stale.state()).toBe('reauthRequired');
    expect(stale.actor.getSnapshot().context.tokens).toBeNull();
    session.logout();
  });
});

describe('device code against oidc-provider (RFC 8628; 5 s between polls, as the IdP names no interval)', () => {
  it('shows the user code, polls, and signs in once the person approves', async () => {
    const shown: string[] = [];
    const signIn = await loginWithDeviceCode({
      ...oidc(emulator),
      onUserCode: (info) => {
        shown.push(info.userCode);
        void emulator.answerDeviceCode(info.verificationUriComplete ?? '', true);
      },
    });
    expect(shown).toHaveLength(1);
    expect(signIn.claims?.sub).toBe('alice');
  });

  it('ends in accessDenied when the person refuses', async () => {
    const code = await codeOf(
      loginWithDeviceCode({
        ...oidc(emulator),
        onUserCode: (info) => void emulator.answerDeviceCode(info.verificationUriComplete ?? '', false),
      }),
    );
    expect(code).toBe('accessDenied');
  });

  it('is cancelled while waiting, with no poll after the cancel', async () => {
    const abort = new AbortController();
    const code = await codeOf(
      loginWithDeviceCode({ ...oidc(emulator), signal: abort.signal, onUserCode: () => abort.abort() }),
    );
    expect(code).toBe('cancelled');
  });
});

describe('client credentials against oidc-provider', () => {
  const service = (e: Emulator, secret = e.clients.service.secret) => ({
    issuer: e.issuer,
    baseUrl: e.baseUrl,
    clientId: e.clients.service.id,
    clientSecret: secret,
    scope: 'api:read',
    resource: e.baseUrl,
  });

  it('gets a service token that token/inspect accepts', async () => {
    const result = await loginWithClientCredentials(service(emulator));
    expect(result.inspection.subject).toBe('service');
    expect(result.tokens.scope).toBe('api:read');
  });

  it('fails with clientRejected for a wrong secret, and never shows the secret', async () => {
    try {
      await loginWithClientCredentials(service(emulator, 'wrong:%+ secret'));
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'clientRejected' });
      expect(String((error as Error).message)).not.toContain('wrong:%+ secret');
    }
  });
});

describe('the session with the real @cognite/sdk', () => {
  it('reads the protected resource with session.getToken as oidcTokenProvider, across a token expiry', async () => {
    const signIn = await loginWithAuthorizationCode({ ...oidc(shortLived), opener: headlessOpener() });
    let refreshes = 0;
    const session = sessionFor(signIn, oidc(shortLived), { leewayMs: 0, onTokens: () => (refreshes += 1) });
    const client = new CogniteClient({
      appId: 'cdf-authflow-test',
      project: 'demo',
      baseUrl: shortLived.baseUrl,
      oidcTokenProvider: session.getToken,
    });
    await client.authenticate();
    const first = await client.assets.list().autoPagingToArray({ limit: 10 });
    expect(first[0]?.externalId).toBe('pump-1');
    await new Promise((resolve) => setTimeout(resolve, 2_300)); // the 2 s access token expires mid-use
    await client.authenticate();
    const second = await client.assets.list().autoPagingToArray({ limit: 10 });
    expect(second).toHaveLength(1);
    expect(refreshes).toBe(1);
    session.logout();
  });

  it('shares one refresh among many concurrent getToken() callers', async () => {
    let refreshCalls = 0;
    let release: () => void = () => {};
    const session = createSession({
      tokens: { accessToken: 'old', tokenType: 'Bearer', expiresAt: Date.now() - 1, refreshToken: 'rt' },
      refresh: async (current) => {
        refreshCalls += 1;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { ...current, accessToken: 'new', expiresAt: Date.now() + 60_000 };
      },
    });
    const callers = Array.from({ length: 25 }, () => session.getToken());
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    expect(await Promise.all(callers)).toEqual(Array(25).fill('new'));
    expect(refreshCalls).toBe(1);
  });
});
