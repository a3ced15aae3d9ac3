/**
 * Every Node flow takes one options shape: `timeoutMs` per request, `totalTimeoutMs` per sign-in, one
 * `fetch` for every request, `signal`. Here: the one `fetch` carries the IdP's and CDF's requests alike,
 * and `totalTimeoutMs` ends a sign-in whose person never comes (the device code, which has no callback
 * deadline of its own short of the code's lifetime) with `timeout`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loginWithClientCredentials, loginWithDeviceCode } from '../../src/drivers/node/oidc.js';
import { startEmulator } from '../../src/emulator/index.js';
import { serviceSignIn } from '../helpers/emulator-clients.js';
import { failureOf } from '../helpers/failure.js';

const emulator = await startEmulator();
afterAll(() => emulator.close());

describe('one options shape for every flow', () => {
  it('fetch: the IdP and CDF are both asked through the one fetch given', async () => {
    const asked: string[] = [];
    const counting: typeof fetch = (input, init) => {
      asked.push(new URL(input instanceof Request ? input.url : String(input)).origin);
      return fetch(input, init);
    };
    await loginWithClientCredentials({ ...serviceSignIn(emulator), fetch: counting });
    expect(new Set(asked)).toEqual(new Set([new URL(emulator.issuer).origin, new URL(emulator.baseUrl).origin]));
  });

  it('totalTimeoutMs: a device code nobody approves ends in timeout, saying which option', async () => {
    const failure = await failureOf(
      loginWithDeviceCode({
        issuer: emulator.issuer,
        clientId: emulator.clients.cli,
        baseUrl: emulator.baseUrl,
        onUserCode: () => {},
        totalTimeoutMs: 500,
      }),
    );
    expect(failure.code).toBe('timeout');
    expect(failure.message).toContain('totalTimeoutMs');
  });
});
