/**
 * `cdf-authflow/browser` as a web app imports it: by the package name, which resolves through package.json
 * `exports` to the build in dist/ (run `npm run build` first). Its exported names are pinned here
 * (PUBLIC_NAMES, at the end), so that a change of the public surface is a visible diff in review; it
 * bundles for the browser with no Node built-in; and its credential store keeps the tabs of an origin on one
 * credential.
 */
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { TokenSet, Versioned } from 'cdf-authflow';
import * as entry from 'cdf-authflow/browser';
import {
  createWebCredentialStore,
  createWebRenewLock,
  type LockManagerLike,
  type StorageLike,
} from 'cdf-authflow/browser';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { pinnedNames } from '../helpers/entries.js';
import { memoryStorage } from '../helpers/memory-storage.js';

/** `navigator.locks` for one tab: the callbacks of one name run one after another. */
function serialLocks(): LockManagerLike {
  const tails = new Map<string, Promise<unknown>>();
  return {
    request(name, _options, callback) {
      const run = (tails.get(name) ?? Promise.resolve()).then(() => callback(null));
      tails.set(
        name,
        run.catch(() => {}),
      );
      return run;
    },
  };
}

describe('the cdf-authflow/browser entry', () => {
  it('exports exactly these names, each of them defined', () => {
    pinnedNames(entry, PUBLIC_NAMES);
  });

  it('bundles for the browser from the package name without a single Node built-in', async () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
    const reached: string[] = [];
    const result = await build({
      entryPoints: [fileURLToPath(import.meta.resolve('cdf-authflow/browser'))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      plugins: [
        {
          name: 'record-node-builtins',
          setup(bundler) {
            bundler.onResolve({ filter: /.*/ }, ({ path }) => {
              if (!builtins.has(path)) return undefined;
              reached.push(path);
              return { path, external: true };
            });
          },
        },
      ],
    });
    expect(result.errors).toEqual([]);
    expect(reached).toEqual([]);
    expect(result.outputFiles[0]?.text).toContain('createWebCredentialStore');
  });

  it('two tabs over one localStorage: a renewal in one reaches the other, which adopts it instead of renewing', async () => {
    const storage = memoryStorage() satisfies StorageLike;
    const channels = [new BroadcastChannel('cdf-authflow-entry-test'), new BroadcastChannel('cdf-authflow-entry-test')];
    try {
      const [first, second] = channels.map((channel) => createWebCredentialStore<TokenSet>({ storage, channel }));
      if (!first || !second) throw new Error('two tabs');
      const stale: TokenSet = { accessToken: 'stale', tokenType: 'Bearer', expiresAt: Date.now() - 1 };
      const written = await first.write('me', stale, null);
      if (written.status !== 'written') throw new Error('the first write of a key is written');
      expect(await second.write('me', stale, null)).toEqual({ status: 'conflict' });
      expect(await second.read('me')).toEqual({ credential: stale, version: written.version });

      // The other tab hears every write on the channel, the first one too: it waits for the renewal.
      const heard = new Promise<Versioned<TokenSet>>((resolve) => {
        const stop = second.subscribe?.('me', (update) => {
          if (update?.credential.accessToken !== 'renewed') return;
          stop?.();
          resolve(update);
        });
      });
      // A renewal written with compare-and-set against the version read: the other tab hears it.
      const renewal: TokenSet = { accessToken: 'renewed', tokenType: 'Bearer', expiresAt: Date.now() + 3_600_000 };
      const lock = createWebRenewLock(serialLocks());
      const renewed = await lock.withLock('me', (fence) => first.write('me', renewal, written.version, { fence }), {
        ttlMs: 30_000,
        waitMs: 30_000,
      });
      if (renewed.status !== 'written') throw new Error('the renewal is written at the version read');
      expect((await heard).version).toBe(renewed.version);
      // A second writer that read the old version loses: it adopts what the first wrote.
      expect(await second.write('me', renewal, written.version)).toEqual({ status: 'conflict' });
      expect(await second.read('me')).toEqual({ credential: renewal, version: renewed.version });
      expect([...storage.items.keys()]).toEqual(['cdf-authflow:version:me']);
    } finally {
      for (const channel of channels) channel.close();
    }
  });
});

/** Every name the entry exports, sorted (pinned by the first test above). */
const PUBLIC_NAMES = [
  'REDACTED',
  'assertApiKeyAllowedInBrowser',
  'createBrowserLogin',
  'createCodeBrowserLogin',
  'createLoginUrlBrowserLogin',
  'createWebCredentialStore',
  'createWebRenewLock',
  'redact',
  'redactText',
];
