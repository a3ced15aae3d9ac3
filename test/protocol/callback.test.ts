import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { parseAuthorizationCallback } from '../../src/protocol/callback/authorization.js';
import { parseLoginCallback, stripLoginCallback, withFlowId } from '../../src/protocol/callback/login-url.js';

describe('legacy callback parsing', () => {
  it('reads tokens and the flow id from the query string', () => {
    expect(parseLoginCallback('http://127.0.0.1:9/callback?cdf_flow=f&access_token=a.b.c&id_token=d.e.f')).toEqual({
      kind: 'tokens',
      flowId: 'f',
      accessToken: 'a.b.c',
      idToken: 'd.e.f',
    });
  });

  it('turns error into a short code and never repeats error_description', () => {
    const parsed = parseLoginCallback(
      'http://x/cb?cdf_flow=f&error=access_denied<script>&error_description=Evil%20text',
    );
    expect(parsed).toEqual({ kind: 'error', flowId: 'f', error: 'access_deniedscript' });
  });

  it.each([
    ['not a URL', 'no tokens'],
    ['http://x/cb', 'no tokens and no error'],
    ['http://x/cb?access_token=a', 'one of access_token and id_token is missing'],
    ['http://x/cb?access_token=a&id_token=', 'one of access_token and id_token is missing'],
    ['http://x/cb?access_token=a&access_token=b&id_token=c', 'repeated parameter access_token'],
    ['http://x/cb?access_token=a%20b&id_token=c', 'a token is malformed'],
    ['http://x/cb#access_token=a&id_token=b', 'no tokens and no error'],
  ])('refuses %s', (url, reason) => {
    const parsed = parseLoginCallback(url);
    expect(parsed.kind).toBe('invalid');
    if (url !== 'not a URL') expect(parsed).toEqual({ kind: 'invalid', reason, flowId: null });
  });

  it('strips the callback parameters but keeps other parameters and the hash', () => {
    expect(stripLoginCallback('https://app/p?a=1&access_token=x&b=2&id_token=y&cdf_flow=f#frag')).toBe(
      'https://app/p?a=1&b=2#frag',
    );
  });

  it('adds the flow id before the fragment, keeping other parameters', () => {
    expect(withFlowId('https://app/p?a=1#h', 'abc')).toBe('https://app/p?a=1&cdf_flow=abc#h');
  });

  test.prop(
    [
      fc.oneof(
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
        fc.string(),
        fc.string({ unit: 'binary' }),
      ),
    ],
    {
      numRuns: 10_000,
    },
  )('any input gives a value, never a throw, and an invalid reason never echoes the input', (url) => {
    const parsed = parseLoginCallback(url);
    expect(['tokens', 'error', 'invalid']).toContain(parsed.kind);
    if (parsed.kind === 'invalid' && url.length > 3) expect(parsed.reason.includes(url)).toBe(false);
  });
});

describe('authorization response parsing (RFC 6749 4.1.2)', () => {
  it('keeps every parameter as received, with the URL, for the machine to judge', () => {
    const url = 'http://127.0.0.1:1/callback?code=c1&state=s1&iss=https%3A%2F%2Fidp';
    expect(parseAuthorizationCallback(url)).toEqual({
      kind: 'response',
      params: { code: 'c1', state: 's1', iss: 'https://idp' },
      url,
    });
  });

  it('an address that is not a URL is invalid, and says so without repeating it', () => {
    expect(parseAuthorizationCallback('not a url ?code=secret-code')).toEqual({ kind: 'invalid', reason: 'not a URL' });
  });

  it('a repeated parameter is invalid (which state would count?), the reason naming at most 32 characters of it', () => {
    expect(parseAuthorizationCallback('http://127.0.0.1:1/cb?state=a&code=c&state=b')).toEqual({
      kind: 'invalid',
      reason: 'repeated parameter state',
    });
    const long = 'p'.repeat(40);
    expect(parseAuthorizationCallback(`http://127.0.0.1:1/cb?${long}=1&${long}=2`)).toEqual({
      kind: 'invalid',
      reason: `repeated parameter ${'p'.repeat(32)}`,
    });
  });
});
