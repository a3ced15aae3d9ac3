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

  it('survives cycles and errors', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(() => redact(cyclic)).not.toThrow();
    expect(redact(new Error(`bad ${jwt}`))).toEqual({ name: 'Error', message: `bad ${REDACTED}` });
  });
});
