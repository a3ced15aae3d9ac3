/**
 * The edges of reading the legacy login callback (src/protocol/callback/login-url.ts): the flow id only
 * when it is there once, the error code's length, which token is missing, and the token length limit;
 * and redaction's depth bound, which holds for nested lists as for objects.
 */
import { describe, expect, it } from 'vitest';
import { parseLoginCallback } from '../../src/protocol/callback/login-url.js';
import { redact } from '../../src/protocol/redact.js';

const CALLBACK = 'http://127.0.0.1:9/callback';

describe('parseLoginCallback at its edges', () => {
  it('a flow id given twice belongs to no flow', () => {
    expect(parseLoginCallback(`${CALLBACK}?cdf_flow=a&cdf_flow=b&access_token=x&id_token=y`)).toEqual({
      kind: 'invalid',
      reason: 'repeated parameter cdf_flow',
      flowId: null,
    });
  });

  it('an error code is kept to 64 characters', () => {
    const parsed = parseLoginCallback(`${CALLBACK}?cdf_flow=f&error=${'e'.repeat(100)}`);
    expect(parsed).toEqual({ kind: 'error', flowId: 'f', error: 'e'.repeat(64) });
  });

  it('an ID token without an access token is "one missing", not "no tokens"', () => {
    expect(parseLoginCallback(`${CALLBACK}?cdf_flow=f&id_token=y`)).toEqual({
      kind: 'invalid',
      reason: 'one of access_token and id_token is missing',
      flowId: 'f',
    });
  });

  it('a token of 16384 characters is read; one of 16385 is malformed', () => {
    const longest = 'a'.repeat(16_384);
    expect(parseLoginCallback(`${CALLBACK}?cdf_flow=f&access_token=${longest}&id_token=y`)).toEqual({
      kind: 'tokens',
      flowId: 'f',
      accessToken: longest,
      idToken: 'y',
    });
    expect(parseLoginCallback(`${CALLBACK}?cdf_flow=f&access_token=x&id_token=${longest}a`)).toEqual({
      kind: 'invalid',
      reason: 'a token is malformed',
      flowId: 'f',
    });
  });
});

describe('redaction depth', () => {
  it('lists nested deeper than 12 levels are cut off like objects', () => {
    let nested: unknown = ['the leaf'];
    for (let level = 0; level < 20; level += 1) nested = [nested];
    // Thirteen levels (0 to 12) are kept; what lies deeper is a marker.
    expect(JSON.stringify(redact(nested))).toBe(`${'['.repeat(13)}"[…]"${']'.repeat(13)}`);
  });
});
