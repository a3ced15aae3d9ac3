import { generateKeyPair, SignJWT } from 'jose';
import { CookieJar } from 'tough-cookie';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { AnyActorRef } from 'xstate';
import { followRedirects } from '../../src/drivers/node/headless-browser.js';
import { loginWithLoginUrl } from '../../src/drivers/node/legacy.js';
import { headlessOpener, type Opener } from '../../src/drivers/node/opener.js';
import { type FlowTransition, runFlow } from '../../src/drivers/node/run-flow.js';
import { startEmulator } from '../../src/emulator/index.js';
import { loginUrlFlow } from '../../src/flows/login-url.js';
import { parseLoginCallback } from '../../src/protocol/callback/login-url.js';
import { createCdfClient } from '../../src/protocol/cdf.js';
import { settledFlow } from '../helpers/failure.js';
import { portIsClosed, portOf, scriptedOpener, withParam } from '../helpers/flows.js';
import { resetEmulator } from '../helpers/lifecycle.js';

const emulator = await startEmulator();
afterAll(() => emulator.close());
beforeEach(() => resetEmulator(emulator));

async function flow(opener: Opener, over: Partial<Parameters<typeof loginWithLoginUrl>[0]> = {}) {
  const transitions: FlowTransition[] = [];
  const { value: session, ...failure } = await settledFlow(
    loginWithLoginUrl({
      baseUrl: emulator.baseUrl,
      project: 'demo',
      opener,
      onTransition: (t) => transitions.push(t),
      timeoutMs: 2_000,
      http: { retryLimit: 0 },
      ...over,
    }),
  );
  return { session, transitions, ...failure };
}

describe('login-URL flow against the emulator (real IdP, real HTTP)', () => {
  it('signs alice in to demo, and closes the loopback port afterwards', async () => {
    const seen: string[] = [];
    const result = await flow(scriptedOpener((url) => url, seen, { detach: true }));
    expect(result.code).toBeUndefined();
    expect(result.session).toMatchObject({ user: 'alice', project: 'demo', projectId: 1001 });
    expect(result.session?.expiresAt).toBeGreaterThan(Date.now());
    expect(result.transitions.map((t) => t.to)).toEqual([
      'idle',
      'fetchingLoginUrl',
      'redirectingToIdp',
      'awaitingCallback',
      'validatingToken',
      'authenticated',
    ]);
    expect(await portIsClosed(portOf(seen[0] ?? ''))).toBe(true);
    // No token in any transition the driver reported.
    expect(JSON.stringify(result.transitions)).not.toContain(result.session?.accessToken ?? '\0');
  });

  it('can take the URL from /login/redirect (303) instead of /login/url', async () => {
    const before = emulator.requests.length;
    const result = await flow(headlessOpener(), { loginUrlSource: 'login-redirect' });
    expect(result.session?.user).toBe('alice');
    expect(emulator.requests.slice(before).map((r) => r.path)).not.toContain('/login/url');
  });

  it('with the headless opener (the demo’s), whose navigation ends only after the callback’s page, it still passes through awaitingCallback', async () => {
    const result = await flow(headlessOpener());
    expect(result.session?.user).toBe('alice');
    const steps = result.transitions.map((t) => `${t.from} -> ${t.to}`);
    expect(steps).toEqual([
      '(start) -> idle',
      'idle -> fetchingLoginUrl',
      'fetchingLoginUrl -> redirectingToIdp',
      'redirectingToIdp -> awaitingCallback',
      'awaitingCallback -> validatingToken',
      'validatingToken -> authenticated',
    ]);
    // The navigation was done because the browser came back to the listener, before its opener resolved.
    expect(result.transitions[3]?.event).toBe('xstate.done.actor.navigateToIdp');
    expect(result.transitions[4]?.event).toBe('CALLBACK');
  });

  it('a callback that wins the race (delivered while still in redirectingToIdp) is still handled', async () => {
    const transitions: FlowTransition[] = [];
    let actor: AnyActorRef | undefined;
    const cdf = createCdfClient({ baseUrl: emulator.baseUrl });
    // A browser that is back before its opener says it is done: the callback goes straight to the machine.
    const navigate = async (url: string) => {
      const stop = await followRedirects(url, {
        jar: new CookieJar(),
        until: (u) => new URL(u).pathname === '/callback',
      });
      expect(actor?.getSnapshot().value).toBe('redirectingToIdp');
      actor?.send({ type: 'CALLBACK', callback: parseLoginCallback(stop.url) });
      await new Promise<void>(() => {}); // the opener never reports
    };
    const output = await runFlow(
      loginUrlFlow({ cdf, navigate }),
      {
        project: 'demo',
        redirectUrl: 'http://127.0.0.1:9/callback',
        ignoreStrayCallbacks: true,
      },
      { type: 'START', flowId: 'a-flow-id-of-this-test-0123', now: Date.now() },
      {
        onActor: (started) => {
          actor = started;
        },
        onTransition: (t) => transitions.push(t),
      },
    );
    expect(output.status).toBe('signedIn');
    expect(output.status === 'signedIn' && output.credential.user).toBe('alice');
    expect(transitions.map((t) => `${t.from} -> ${t.to}`)).toContain('redirectingToIdp -> validatingToken');
    expect(transitions.map((t) => t.to)).not.toContain('awaitingCallback');
  });

  it('fails with noIdpConfigured for a project without an IdP', async () => {
    const result = await flow(headlessOpener(), { project: 'no-idp' });
    expect(result.code).toBe('noIdpConfigured');
  });

  it('fails with idpError when the user denies at the IdP', async () => {
    emulator.setNextLogin({ deny: true });
    const result = await flow(headlessOpener());
    expect(result.code).toBe('idpError');
    expect(result.message).toContain('access_denied');
  });

  it('ignores a callback without the flow id, or with another flow id, before any validation call', async () => {
    for (const flowId of [null, 'forged-flow-id']) {
      const before = emulator.requests.length;
      const seen: string[] = [];
      const result = await flow(
        scriptedOpener((url) => withParam(url, 'cdf_flow', flowId), seen),
        {
          totalTimeoutMs: 1_500,
        },
      );
      // Stray: the listener answered 400 and the flow waited on for the real callback, until its deadline.
      expect(result.code).toBe('timeout');
      expect(await portIsClosed(portOf(seen[0] ?? ''))).toBe(true);
      const later = emulator.requests.slice(before).map((r) => r.path);
      expect(later).not.toContain('/login/token');
      expect(later).not.toContain('/login/status');
    }
  });

  it.each([
    ['a repeated token parameter', (url: string) => `${url}&access_token=again`],
    ['a token with spaces', (url: string) => withParam(url, 'access_token', 'a b c')],
    ['no tokens at all', (url: string) => withParam(withParam(url, 'access_token', null), 'id_token', null)],
  ])('fails with callbackInvalid on a malformed callback: %s', async (_name, alter) => {
    const before = emulator.requests.length;
    const result = await flow(scriptedOpener(alter));
    expect(result.code).toBe('callbackInvalid');
    expect(emulator.requests.slice(before).map((r) => r.path)).not.toContain('/login/status');
  });

  it('rejects a forged token (signed by another key)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({
      sub: 'alice',
      project_name: 'demo',
      expire_time: Math.floor(Date.now() / 1000) + 600,
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(emulator.baseUrl)
      .setExpirationTime('10m')
      .sign(privateKey);
    const result = await flow(
      scriptedOpener((url) => withParam(withParam(url, 'access_token', forged), 'id_token', forged)),
    );
    expect(result.code).toBe('tokenRejected');
  });

  it('rejects an expired token', async () => {
    const expired = await emulator.mintLegacyTokens({ user: 'alice', project: 'demo', ttlSeconds: -60 });
    const result = await flow(
      scriptedOpener((url) =>
        withParam(withParam(url, 'access_token', expired.accessToken), 'id_token', expired.idToken),
      ),
    );
    expect(result.code).toBe('tokenRejected');
    expect(result.message).toMatch(/expired|did not accept/);
  });

  it('rejects valid tokens of another project (session swapping)', async () => {
    const other = await emulator.mintLegacyTokens({ user: 'alice', project: 'other' });
    const result = await flow(
      scriptedOpener((url) => withParam(withParam(url, 'access_token', other.accessToken), 'id_token', other.idToken)),
    );
    expect(result.code).toBe('projectMismatch');
  });

  it('refuses a replayed callback: the listener is gone after the first one', async () => {
    const seen: string[] = [];
    let callbackUrl = '';
    const result = await flow(
      scriptedOpener((url) => {
        callbackUrl = url;
        return url;
      }, seen),
    );
    expect(result.session?.user).toBe('alice');
    await expect(fetch(callbackUrl)).rejects.toThrow();
  });

  it('refuses a replayed login URL in a second browser', async () => {
    let loginUrl = '';
    const capture: Opener = async (url, options) => {
      loginUrl = url;
      await headlessOpener()(url, options);
    };
    expect((await flow(capture)).session?.user).toBe('alice');
    const replay = await flow(async (_url, options) => headlessOpener()(loginUrl, options));
    expect(replay.code).toBe('navigationFailed');
  });

  it('is cancelled by its signal while the person is away, and closes the port', async () => {
    const seen: string[] = [];
    const abort = new AbortController();
    const pending = flow(
      scriptedOpener(() => {
        setTimeout(() => abort.abort(), 20);
        return null;
      }, seen),
      { signal: abort.signal },
    );
    const result = await pending;
    expect(result.code).toBe('cancelled');
    expect(await portIsClosed(portOf(seen[0] ?? ''))).toBe(true);
  });

  it('times out when the person does not come back, and closes the port', async () => {
    const seen: string[] = [];
    const result = await flow(
      scriptedOpener(() => null, seen, { detach: true }),
      { totalTimeoutMs: 400 },
    );
    expect(result.code).toBe('timeout');
    expect(result.transitions.at(-1)).toMatchObject({ from: 'awaitingCallback', to: 'failed' });
    expect(await portIsClosed(portOf(seen[0] ?? ''))).toBe(true);
  });

  it('fails with navigationFailed when the browser cannot be opened in time', async () => {
    const result = await flow(() => new Promise<void>(() => {}), { timeoutMs: 150 });
    expect(result.code).toBe('navigationFailed');
    expect(result.transitions.at(-1)).toMatchObject({ from: 'redirectingToIdp', to: 'failed' });
  });

  it.each([
    ['an HTML page', { status: 200, body: '<html>proxy login</html>', contentType: 'text/html' }, 'invalidResponse'],
    ['non-JSON', { status: 200, body: '{"data":', contentType: 'application/json' }, 'invalidResponse'],
    ['an empty body', { status: 200, body: '' }, 'invalidResponse'],
    ['a 10 MB body', { status: 200, body: Buffer.alloc(10 * 1024 * 1024, 32) }, 'invalidResponse'],
    ['a 500', { status: 500 }, 'http'],
    ['a stall', { stall: true }, 'timeout'],
  ])('ends in a typed failure when /login/url answers with %s', async (_name, fault, code) => {
    emulator.fault({ path: '/login/url', ...fault });
    const result = await flow(headlessOpener(), { timeoutMs: 500, http: { retryLimit: 0 } });
    expect(result.code).toBe(code);
    expect(result.transitions.at(-1)?.failure?.code).toBe(code);
  });

  it('ends in a typed failure when validation meets a stalled /login/status', async () => {
    emulator.fault({ path: '/login/status', stall: true });
    const result = await flow(headlessOpener(), { timeoutMs: 400, http: { retryLimit: 0 } });
    expect(result.code).toBe('timeout');
  });

  it('retries a 503 from /login/url and still signs in', async () => {
    emulator.fault({ path: '/login/url', status: 503, retryAfterSeconds: 0 });
    const result = await flow(headlessOpener(), { timeoutMs: 3_000, http: { retryLimit: 2 } });
    expect(result.session?.user).toBe('alice');
  });

  it('fails with network when the cluster is not there', async () => {
    const result = await flow(headlessOpener(), { baseUrl: 'http://127.0.0.1:9' });
    expect(result.code).toBe('network');
  });
});
