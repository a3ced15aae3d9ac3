#!/usr/bin/env node
// Bundles the `cdf-auth` executable (src/cli/launch.ts, as tsc built it) with the cache reader its quick
// `token` answer needs into dist/src/cli/cdf-auth.cjs: one CommonJS file, so that `$(cdf-auth token)`
// starts no ES module loader (about 8 ms here) and loads no other file. The full CLI (bin.js) stays a
// separate ES module, imported only when the quick answer does not apply.
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(root, 'dist/src/cli/cdf-auth.cjs');
await build({
  entryPoints: [path.join(root, 'dist/src/cli/launch.js')],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile,
  // The full CLI is loaded from dist as it is, so that its modules exist once in a process.
  external: ['./bin.js'],
  logLevel: 'warning',
});
await chmod(outfile, 0o755);
