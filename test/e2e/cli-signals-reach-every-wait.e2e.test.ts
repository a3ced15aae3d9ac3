/** Ctrl-C and SIGTERM end `cdf-auth` at once (exit 130), also while it waits for a refresh. */
import { describe, expect, it } from 'vitest';
import { createFileTokenStore } from '../../src/stores/file-token-store.js';
import { spawnCli } from '../helpers/cli.js';
import { emulatorCli } from '../helpers/cli-suite.js';
import { startFakeIdp } from '../helpers/fake-idp.js';

const { emulator, home } = await emulatorCli({ prefix: 'cdf-auth-hard-', reset: true });

describe('Ctrl-C and SIGTERM reach every wait', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s during `cdf-auth token`’s refresh: exit 130, long before the refresh deadline',
    async (signal) => {
      const idp = await startFakeIdp();
      idp.on('/token', () => {}); // never answers
      try {
        const store = createFileTokenStore(home());
        await store.write({
          v: 1,
          kind: 'oidc',
          flow: 'authorization-code',
          baseUrl: emulator.baseUrl,
          project: '',
          user: 'alice',
          issuer: idp.issuer,
          clientId: 'cli',
          scope: 'openid',
          tokens: { accessToken: 'old', tokenType: 'Bearer', expiresAt: Date.now() - 1, refreshToken: 'rt' },
          claims: null,
        });
        const { child, exit } = spawnCli(['token'], { CDF_AUTHFLOW_HOME: home() });
        for (let i = 0; i < 400 && !idp.hits.get('/token'); i += 1) await new Promise((r) => setTimeout(r, 25));
        expect(idp.hits.get('/token')).toBe(1);
        child.kill(signal);
        const result = await exit;
        expect(result.code).toBe(130);
      } finally {
        await idp.close();
      }
    },
  );
});
