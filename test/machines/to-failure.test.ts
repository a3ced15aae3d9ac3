/** `toFailure`: what a thrown value becomes in context and output, a plain `{ code, message }` and no more. */
import { describe, expect, it } from 'vitest';
import { isFailureCode, toFailure } from '../../machines/shared/failure.js';

describe('toFailure', () => {
  it('copies code, message, and status and requestId only when they have the right type', () => {
    expect(toFailure({ code: 'http', message: 'm', status: 500, requestId: 'r', token: 'secret' })).toEqual({
      code: 'http',
      message: 'm',
      status: 500,
      requestId: 'r',
    });
    expect(toFailure({ code: 'http', message: 'm', status: '500', requestId: 7 })).toEqual({
      code: 'http',
      message: 'm',
    });
  });

  it('falls back for anything that is not a known failure', () => {
    for (const error of [
      null,
      undefined,
      'text',
      42,
      { code: 'nope', message: 'm' },
      { code: 'http' },
      { message: 'm' },
    ]) {
      const failure = toFailure(error, 'network');
      expect(failure.code).toBe('network');
      expect(failure.message).toMatch(/unexpected/);
    }
    expect(toFailure(new Error('x')).code).toBe('internal');
    expect(isFailureCode('timeout')).toBe(true);
    expect(isFailureCode('toString')).toBe(false);
    expect(isFailureCode(7)).toBe(false);
  });
});
