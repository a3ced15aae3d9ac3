import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginWithApiKey } from '../../src/drivers/node/legacy.js';
import type { FlowTransition } from '../../src/drivers/node/run-flow.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { settledFlow } from '../helpers/failure.js';

let emulator: Emulator;
let strict: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({
    apiKeys: [
      { key: 'ak-demo-1234567890', id: 1, project: 'demo', serviceAccount: 'svc@demo' },
      { key: 'ak-revoke-me-12345', id: 2, project: 'demo', serviceAccount: 'old@demo' },
    ],
  });
  strict = await startEmulator({ statusUnauthorizedAs401: true });
});
afterAll(() => Promise.all([emulator.close(), strict.close()]));

async function verify(apiKey: string, over: Partial<Parameters<typeof loginWithApiKey>[0]> = {}) {
  const transitions: FlowTransition[] = [];
  const { value: identity, ...failure } = await settledFlow(
    loginWithApiKey({ baseUrl: emulator.baseUrl, apiKey, onTransition: (t) => transitions.push(t), ...over }),
  );
  return { identity, transitions, ...failure };
}

describe('API-key flow against the emulator', () => {
  it('verifies a key and is signed in as its service account', async () => {
    const result = await verify('ak-demo-1234567890', { project: 'DEMO' });
    expect(result.identity).toEqual({
      loggedIn: true,
      user: 'svc@demo',
      project: 'demo',
      projectId: 1001,
      apiKeyId: 1,
    });
    expect(result.transitions.map((t) => t.to)).toEqual(['idle', 'verifying', 'authenticated']);
    expect(JSON.stringify(result.transitions)).not.toContain('ak-demo');
  });

  it('rejects an unknown key, whether CDF says loggedIn:false or 401', async () => {
    expect((await verify('ak-unknown-000000')).code).toBe('apiKeyRejected');
    expect((await verify('ak-unknown-000000', { baseUrl: strict.baseUrl })).code).toBe('apiKeyRejected');
  });

  it('rejects a revoked key', async () => {
    expect((await verify('ak-revoke-me-12345')).identity?.user).toBe('old@demo');
    emulator.revokeApiKey('ak-revoke-me-12345');
    const result = await verify('ak-revoke-me-12345');
    expect(result.code).toBe('apiKeyRejected');
    expect(result.message).not.toContain('ak-revoke');
  });

  it('rejects a key of another project', async () => {
    expect((await verify('ak-demo-1234567890', { project: 'other' })).code).toBe('projectMismatch');
  });

  it('fails with timeout when /login/status stalls, and network when nothing listens', async () => {
    emulator.fault({ path: '/login/status', stall: true });
    expect((await verify('ak-demo-1234567890', { timeoutMs: 300 })).code).toBe('timeout');
    expect((await verify('ak-demo-1234567890', { baseUrl: 'http://127.0.0.1:9' })).code).toBe('network');
  });

  it('is cancelled by its signal', async () => {
    emulator.fault({ path: '/login/status', stall: true });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 30);
    expect((await verify('ak-demo-1234567890', { signal: abort.signal })).code).toBe('cancelled');
  });
});
