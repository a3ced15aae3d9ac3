/** Real `cdf-auth` processes sharing one token cache refresh a token once, and keep its family alive. */
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runBin, spawnCli } from '../helpers/cli.js';
import { emulatorCli } from '../helpers/cli-suite.js';

const { home, codeLogin, expireCache } = await emulatorCli({ prefix: 'cdf-auth-hard-', reset: true });

describe('processes sharing the token cache', () => {
  it('4 real `cdf-auth token` at once on a token that needs refresh: 1 refresh, 4 equal tokens, the family alive afterwards', async () => {
    expect((await codeLogin()).code).toBe(0);
    const before = await expireCache();
    expect(before.tokens.refreshToken).toBeTruthy();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => spawnCli(['token'], { CDF_AUTHFLOW_HOME: home() }).exit),
    );
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const tokens = new Set(results.map((r) => r.out.trim()));
    // Every refresh issues a new access token: one token for all four means one refresh.
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).not.toBe(before.tokens.accessToken);
    // The family is alive: the cached (rotated) refresh token still refreshes.
    await expireCache();
    const again = await runBin(home(), ['token']);
    expect(again.stdout.trim()).not.toBe([...tokens][0]);
    expect((await readdir(home())).some((f) => f.startsWith('tokens-'))).toBe(true);
  });
});
