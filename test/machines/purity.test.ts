import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = path.resolve(import.meta.dirname, '../../machines');

/** Every module under machines/, shared/ included, relative to it. */
const machineFiles = async () =>
  (await readdir(dir, { recursive: true })).filter((file) => file.endsWith('.ts')).sort();

describe('machines/ stays pure', () => {
  it('imports nothing but xstate and its own files', async () => {
    const files = await machineFiles();
    expect(files).toContain('shared/failure.ts');
    for (const file of files) {
      const source = await readFile(path.join(dir, file), 'utf8');
      const specifiers = [
        ...source.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g),
      ].map((match) => match[1] ?? match[2]);
      for (const specifier of specifiers) {
        expect(
          // A machine imports its siblings and machines/shared/; a shared module only its siblings.
          specifier === 'xstate' || /^\.\/(shared\/)?[a-z-]+\.js$/.test(specifier ?? ''),
          `${file} imports ${specifier}`,
        ).toBe(true);
      }
    }
  });

  it('uses no clock, randomness, network, timers or browser globals', async () => {
    const forbidden =
      /\b(Date\.now|new Date|Math\.random|crypto\.|fetch\(|setTimeout|setInterval|window\.|document\.|localStorage|sessionStorage|process\.)/;
    for (const file of await machineFiles()) {
      const code = (await readFile(path.join(dir, file), 'utf8')).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(forbidden.exec(code)?.[0], `${file}`).toBeUndefined();
    }
  });
});
