#!/usr/bin/env node
// Bundles the browser entry with esbuild: dist/browser/cdf-authflow.js for pages and tests, and
// (with --sizes) prints the minified + gzipped size of what each flow pulls in.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

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
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
    });
    const bytes = result.outputFiles[0].contents;
    sizes[name] = new TextDecoder().decode(bytes);
    console.log(
      `${name.padEnd(36)} ${(bytes.length / 1024).toFixed(1).padStart(7)} KiB min  ${(gzipSync(bytes).length / 1024).toFixed(1).padStart(6)} KiB min+gz`,
    );
  }
  // Budgets (minified KiB): a regression such as reading oauth4webapi's namespace object dynamically
  // (which stops tree-shaking: 137 -> 165 KiB) fails here. +4 KiB on purpose (issue 17): every session
  // renews through renewOnce and its in-process store and lock (2.4 + 1.5 KiB min). +3.5 KiB for the code
  // flow, also on purpose: the tabs renew through the same renewOnce, over IndexedDB for the version and
  // a BroadcastChannel for the tokens (148.0 -> 151.5); the login-URL flow, which cannot refresh, no
  // longer carries the tab sync at all (91.7 -> 81.0). +2.8 KiB (issue 19): inspect is redacted in the
  // browser too (redact-inspection.ts), and every failure names its event, guard and actor (151.5 -> 154.3).
  const budgets = {
    'code + PKCE (createCodeBrowserLogin)': 155,
    'login URL (createLoginUrlBrowserLogin)': 85,
    'both (createBrowserLogin)': 162,
  };
  for (const [name, budget] of Object.entries(budgets)) {
    const kib = new TextEncoder().encode(sizes[name]).length / 1024;
    if (kib > budget) {
      console.error(`${name} is ${kib.toFixed(1)} KiB minified, over its budget of ${budget} KiB`);
      process.exit(1);
    }
  }
  // The budget's rule: the legacy flow's machine stays out of the code-flow bundle.
  if (sizes['code + PKCE (createCodeBrowserLogin)'].includes('fetchingLoginUrl')) {
    console.error('the code-flow bundle carries the login-URL machine');
    process.exit(1);
  }
}
