/**
 * `cdf-auth token` answered before the CLI loads: the executable prints a fresh OpenID Connect token from
 * the cache alone, and hands everything else to the full CLI, which starts from scratch. The invariant:
 * the quick answer is either nothing or exactly what the full CLI prints.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { quickToken } from '../../src/cli/quick-token.js';
import { VERSION } from '../../src/protocol/version.js';
import { type CacheEntry, createFileTokenStore } from '../../src/stores/file-token-store.js';
import { spawnCli } from '../helpers/cli.js';

const login = { baseUrl: 'http://127.0.0.1:9', project: 'demo' };
const hour = 3_600_000;

/** A cached OpenID Connect login whose access token expires `expiresIn` ms from now (its IdP is unreachable). */
const oidcEntry = (expiresIn: number): CacheEntry => ({
  v: 1,
  kind: 'oidc',
  flow: 'authorization-code',
  ...login,
  user: 'alice',
  issuer: 'http://127.0.0.1:9/idp',
  clientId: 'cli',
  scope: 'openid offline_access',
  tokens: {
    accessToken: 'quick.access.token',
    tokenType: 'Bearer',
    expiresAt: Date.now() + expiresIn,
    refreshToken: 'quick.refresh.token',
  },
  claims: null,
});

/** The one token file the store wrote into `folder`. */
const tokenFileIn = (folder: string) =>
  path.join(folder, readdirSync(folder).find((name) => name.startsWith('tokens-')) ?? 'no token file');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cdf-auth-quick-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** What the full CLI prints for `argv` on the same cache. */
async function fullCli(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(argv, {
    out: (text) => {
      out += text;
    },
    err: () => {},
    env: { CDF_AUTHFLOW_HOME: dir },
    store: createFileTokenStore(dir),
    signal: AbortSignal.timeout(5_000),
  });
  return { code, out };
}

/** The cache states a person's folder can be in, each made by hand or by the store itself. */
const states: Record<string, () => Promise<void>> = {
  'a fresh OpenID Connect token': () => createFileTokenStore(dir).write(oidcEntry(hour)),
  // The store refuses it (an OpenID Connect token always says when it expires): the full CLI says so.
  'an OpenID Connect token without an expiry': async () => {
    await createFileTokenStore(dir).write(oidcEntry(hour));
    const file = tokenFileIn(dir);
    const entry = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...entry, tokens: { ...entry.tokens, expiresAt: null } }));
  },
  'an OpenID Connect token inside the leeway': () => createFileTokenStore(dir).write(oidcEntry(10_000)),
  'an expired OpenID Connect token': () => createFileTokenStore(dir).write(oidcEntry(-hour)),
  'a legacy login-URL session': () =>
    createFileTokenStore(dir).write({
      v: 1,
      kind: 'login-url',
      ...login,
      user: 'alice',
      projectId: 1,
      accessToken: 'legacy.token',
      idToken: 'legacy.id.token',
      expiresAt: Date.now() + hour,
    }),
  'an API-key login': () =>
    createFileTokenStore(dir).write({ v: 1, kind: 'api-key', ...login, user: 'k', apiKeyEnv: 'CDF_API_KEY' }),
  'nothing cached': async () => {},
  'a corrupt entry': async () => {
    await createFileTokenStore(dir).write(oidcEntry(hour));
    await writeFile(tokenFileIn(dir), '{"v":1, truncated');
  },
  'a corrupt current.json': async () => {
    await createFileTokenStore(dir).write(oidcEntry(hour));
    await writeFile(path.join(dir, 'current.json'), '[');
  },
  'the entry a symlink': async () => {
    await createFileTokenStore(dir).write(oidcEntry(hour));
    const file = tokenFileIn(dir);
    const real = path.join(dir, 'elsewhere.json');
    await rm(file);
    await writeFile(real, JSON.stringify(oidcEntry(hour)));
    await symlink(real, file);
  },
};

describe('the quick answer of cdf-auth token', () => {
  for (const [state, make] of Object.entries(states)) {
    it(`${state}: the quick answer is nothing or exactly what the full CLI prints`, async () => {
      await make();
      const quick = await quickToken(['token'], { CDF_AUTHFLOW_HOME: dir });
      const full = await fullCli(['token']);
      if (quick !== undefined) expect(full).toEqual({ code: 0, out: quick });
      // Only a fresh OpenID Connect token is answered quickly; the rest is the full CLI's to say.
      expect(quick).toBe(state === 'a fresh OpenID Connect token' ? 'quick.access.token\n' : undefined);
    });
  }

  it('any flag, another command or none is left to the full CLI', async () => {
    await states['a fresh OpenID Connect token']?.();
    const env = { CDF_AUTHFLOW_HOME: dir };
    for (const argv of [['token', '--header'], ['token', '--json'], ['token', '--project', 'demo'], ['status'], []]) {
      expect(await quickToken(argv, env)).toBeUndefined();
    }
    expect(await quickToken(['token'], env)).toBe('quick.access.token\n');
  });
});

describe('the cdf-auth executable', () => {
  it('prints a fresh token from the cache, and runs the full CLI for everything else', async () => {
    await createFileTokenStore(dir).write(oidcEntry(hour));
    const env = { CDF_AUTHFLOW_HOME: dir };
    expect(await spawnCli(['token'], env).exit).toEqual({ code: 0, out: 'quick.access.token\n', err: '' });
    const header = await spawnCli(['token', '--header'], env).exit;
    expect(header).toEqual({ code: 0, out: 'Authorization: Bearer quick.access.token\n', err: '' });
    expect((await spawnCli(['--version'], env).exit).out).toBe(`${VERSION}\n`);
  }, 60_000);

  it('an expired token goes to the full CLI, whose failure names the IdP it could not reach', async () => {
    await createFileTokenStore(dir).write(oidcEntry(-hour));
    const run = await spawnCli(['token'], { CDF_AUTHFLOW_HOME: dir }).exit;
    expect(run.code).toBe(4);
    expect(run.out).toBe('');
    expect(run.err).toContain('127.0.0.1:9');
    expect(run.err).not.toContain('quick.');
  }, 60_000);

  it('a corrupt entry goes to the full CLI, which says cacheCorrupt and how to fix it', async () => {
    await states['a corrupt entry']?.();
    const run = await spawnCli(['token'], { CDF_AUTHFLOW_HOME: dir }).exit;
    expect(run.code).toBe(3);
    expect(run.err).toContain('cacheCorrupt');
    expect(run.err).toContain('cdf-auth logout');
  }, 60_000);
});
