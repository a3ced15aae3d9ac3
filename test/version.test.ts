import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { VERSION } from '../src/protocol/version.js';

it('sends the package version in x-cdp-sdk (VERSION matches package.json)', async () => {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
});
