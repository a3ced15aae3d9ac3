/**
 * `cdf-authflow/server` as a web backend imports it: by the package name, which resolves through
 * package.json `exports` to the build in dist/ (run `npm run build` first). Its exported names are pinned
 * (PUBLIC_NAMES, at the end); it loads the Redis client only when `connectRedis` is called (an app on
 * memory stores needs no `redis` package); and an Express app signs a person in with it.
 */
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from 'cdf-authflow/emulator';
import * as entry from 'cdf-authflow/server';
import { createServerAuth } from 'cdf-authflow/server';
import { build } from 'esbuild';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinnedNames } from '../helpers/entries.js';
import { freePort } from '../helpers/http-server.js';
import { personBrowser } from '../helpers/server-app.js';

describe('cdf-authflow/server', () => {
  let emulator: Emulator;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    emulator = await startEmulator({ webRedirectUris: [`http://127.0.0.1:${port}/auth/callback`] });
  });
  afterAll(() => emulator?.close());

  it('exports exactly its public names', () => {
    pinnedNames(entry, PUBLIC_NAMES);
  });

  it('imports the redis package only inside connectRedis (a dynamic import), never at load', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(import.meta.resolve('cdf-authflow/server'))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      write: false,
      metafile: true,
    });
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
    const redis = imports.filter((i) => i.path === 'redis');
    expect(redis.length).toBeGreaterThan(0);
    expect(redis.every((i) => i.kind === 'dynamic-import')).toBe(true);
  });

  it('signs a person in on an Express app with `app.use(auth.handle)`, memory stores by default', async () => {
    const auth = createServerAuth({
      origin: `http://127.0.0.1:${port}`,
      baseUrl: emulator.baseUrl,
      project: 'demo',
      issuer: emulator.issuer,
      clientId: emulator.clients.web.id,
      clientSecret: emulator.clients.web.secret,
    });
    const app = express();
    app.use(auth.handle);
    app.get('/', (_req, res) => void res.send('home'));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const browser = personBrowser(`http://127.0.0.1:${port}`);
      expect(await browser.signIn('/')).toEqual({ url: `http://127.0.0.1:${port}/`, status: 200 });
      expect(await (await browser.get('/auth/session')).json()).toMatchObject({ status: 'signedIn', project: 'demo' });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

const PUBLIC_NAMES = [
  'connectRedis',
  'createMemoryExpiringStore',
  'createMemoryServerStores',
  'createRedisCredentialStore',
  'createRedisExpiringStore',
  'createRedisRenewLock',
  'createRedisServerStores',
  'createSealer',
  'createServerAuth',
];
