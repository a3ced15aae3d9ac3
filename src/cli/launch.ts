#!/usr/bin/env -S node --
/**
 * The `cdf-auth` executable. `scripts/build-cli.mjs` bundles this file and the cache reader it needs into
 * one CommonJS file (`dist/src/cli/cdf-auth.cjs`), so that `$(cdf-auth token)` on a fresh token starts no
 * module loader and loads only that file; every other command, and `token` whenever the quick answer
 * does not apply, runs the full CLI (`bin.ts`) from the start.
 */
import { quickToken } from './quick-token.js';

quickToken(process.argv.slice(2), process.env)
  .then((line) => (line === undefined ? import('./bin.js') : void process.stdout.write(line)))
  .catch((error: unknown) => {
    // Only loading the CLI itself can fail here (a broken install); no token is in play yet.
    process.stderr.write(`cdf-auth: internal error: cannot load the CLI: ${String(error)}\n`);
    process.exitCode = 1;
  });
