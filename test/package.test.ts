/**
 * What `npm pack` ships: the built entries and the docs a user reads, never the generated API pages
 * (`npm run docs:api` writes them into docs/api) nor the tests.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

it('npm pack ships dist and the docs, not docs/api even when it was generated, nor tests or examples', async () => {
  const probe = path.join(root, 'docs/api/pack-probe.md');
  await mkdir(path.dirname(probe), { recursive: true });
  await writeFile(probe, '# generated\n');
  try {
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
    });
    const [packed] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    const files = packed.files.map((file) => file.path);
    expect(files).toContain('dist/src/node.js');
    // package.json's bin: the bundled executable, built by npm run build, not by tsc.
    expect(files).toContain('dist/src/cli/cdf-auth.cjs');
    expect(files).toContain('docs/security.md');
    expect(files.filter((file) => /^(docs\/api|test|examples|src|machines)\//.test(file))).toEqual([]);
  } finally {
    await rm(probe, { force: true });
  }
}, 60_000);
