import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = path.resolve(import.meta.dirname, '../../machines');

describe('machines/ stays pure', () => {
  it('imports nothing but xstate and its own files', async () => {
    const files = (await readdir(dir)).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const source = await readFile(path.join(dir, file), 'utf8');
      const specifiers = [
        ...source.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g),
      ].map((match) => match[1] ?? match[2]);
      for (const specifier of specifiers) {
        expect(
          specifier === 'xstate' || /^\.\/[a-z-]+\.js$/.test(specifier ?? ''),
          `${file} imports ${specifier}`,
        ).toBe(true);
      }
    }
  });

  it('uses no clock, randomness, network, timers or browser globals', async () => {
    const forbidden =
      /\b(Date\.now|new Date|Math\.random|crypto\.|fetch\(|setTimeout|setInterval|window\.|document\.|localStorage|sessionStorage|process\.)/;
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.ts'))) {
      const code = (await readFile(path.join(dir, file), 'utf8')).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(forbidden.exec(code)?.[0], `${file}`).toBeUndefined();
    }
  });
});
