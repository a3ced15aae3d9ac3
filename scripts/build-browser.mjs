#!/usr/bin/env node
// Bundles the browser entry with esbuild: dist/browser/cdf-authflow.js for pages and tests, and
// (with --sizes) prints the minified + gzipped size of what each flow pulls in.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { SIZE_BUILD } from './bundle-settings.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await mkdir(path.join(root, 'dist/browser'), { recursive: true });
await build({
  entryPoints: [path.join(root, 'src/browser.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: path.join(root, 'dist/browser/cdf-authflow.js'),
  logLevel: 'warning',
});

if (process.argv.includes('--sizes')) {
  const entries = {
    'code + PKCE (createCodeBrowserLogin)': "export { createCodeBrowserLogin } from './src/browser.ts';",
    'login URL (createLoginUrlBrowserLogin)': "export { createLoginUrlBrowserLogin } from './src/browser.ts';",
    'both (createBrowserLogin)': "export { createBrowserLogin } from './src/browser.ts';",
  };
  const sizes = {};
  for (const [name, contents] of Object.entries(entries)) {
    const result = await build({
      stdin: { contents, resolveDir: root, loader: 'ts' },
      ...SIZE_BUILD,
    });
    const bytes = result.outputFiles[0].contents;
    sizes[name] = new TextDecoder().decode(bytes);
    console.log(
      `${name.padEnd(36)} ${(bytes.length / 1024).toFixed(1).padStart(7)} KiB min  ${(gzipSync(bytes).length / 1024).toFixed(1).padStart(6)} KiB min+gz`,
    );
  }
  // Budgets, in KiB minified + gzipped (what a page downloads), measured as bench/bundles.mjs does.
  // Issue 20 asks for 26 KiB for the code flow; the floor of xstate + oauth4webapi alone is 19.4 to
  // 19.8 (docs/benchmarks.md). Where the rest goes is in that file's composition table: jose, which
  // checks the ID token's signature, 6.4; our own code about 18. Dropping ky for the one bounded fetch
  // the IdP calls already used took the code flow from 51.1 to 46.6. A regression such as reading
  // oauth4webapi's namespace object dynamically (which stops tree-shaking) fails here.
  const budgets = {
    'code + PKCE (createCodeBrowserLogin)': 47.5,
    'login URL (createLoginUrlBrowserLogin)': 25,
    'both (createBrowserLogin)': 49.5,
  };
  for (const [name, budget] of Object.entries(budgets)) {
    const kib = gzipSync(new TextEncoder().encode(sizes[name])).length / 1024;
    if (kib > budget) {
      console.error(`${name} is ${kib.toFixed(1)} KiB minified + gzipped, over its budget of ${budget} KiB`);
      process.exit(1);
    }
  }
  // The budget's rule: the legacy flow's machine stays out of the code-flow bundle.
  if (sizes['code + PKCE (createCodeBrowserLogin)'].includes('fetchingLoginUrl')) {
    console.error('the code-flow bundle carries the login-URL machine');
    process.exit(1);
  }
}
