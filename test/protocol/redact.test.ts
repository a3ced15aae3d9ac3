import { describe, expect, it } from 'vitest';
import { REDACTED, redact, redactText } from '../../src/protocol/redact.js';

const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

describe('redaction', () => {
  it('replaces secrets under secret keys, at any depth, and keeps failure codes', () => {
    const out = redact({
      context: { tokens: { accessToken: 'opaque-1', idToken: 'opaque-2' }, failure: { code: 'timeout', message: 'm' } },
      headers: { authorization: 'Bearer x', 'api-key': 'k' },
      client_secret: 's',
      code_verifier: 'v',
      token: { valid: true },
    });
    expect(out).toEqual({
      context: { tokens: { accessToken: REDACTED, idToken: REDACTED }, failure: { code: 'timeout', message: 'm' } },
      headers: { authorization: REDACTED, 'api-key': REDACTED },
      client_secret: REDACTED,
      code_verifier: REDACTED,
      token: { valid: true },
    });
  });

  it('removes JWTs and secret query parameters from free text', () => {
    expect(redactText(`got ${jwt} at http://x/cb?a=1&code=abc&access_token=zzz#h`)).toBe(
      `got ${REDACTED} at http://x/cb?a=1&code=${REDACTED}&access_token=${REDACTED}#h`,
    );
  });

  it("removes a callback URL's state and nonce too (found by Stately's inspector receiving the callback URL)", () => {
    expect(redactText('http://127.0.0.1:1/callback?code=c&state=RxJOy9&iss=x&nonce=n1')).toBe(
      `http://127.0.0.1:1/callback?code=${REDACTED}&state=${REDACTED}&iss=x&nonce=${REDACTED}`,
    );
  });

  it("keeps a failure's where (its state is a machine state) but not an OAuth state beside a code", () => {
    expect(redact({ code: 'timeout', message: 'late', state: 'exchangingCode', event: 'xstate.after.x' })).toEqual({
      code: 'timeout',
      message: 'late',
      state: 'exchangingCode',
      event: 'xstate.after.x',
    });
    expect(redact({ code: 'timeout', state: 'oauth-state-value' })).toEqual({ code: 'timeout', state: REDACTED });
  });

  it('survives cycles and errors', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(() => redact(cyclic)).not.toThrow();
    expect(redact(new Error(`bad ${jwt}`))).toEqual({ name: 'Error', message: `bad ${REDACTED}` });
  });
});
