/**
 * Against an emulator that shows a person a sign-in page, `--headless` fails at once and is never offered.
 * Found in the first hour with the CLI, met the way a person meets it; seen failing before its fix.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { CLI_BIN } from '../helpers/cli.js';
import { freshHomeCli } from '../helpers/cli-suite.js';

const { cli } = freshHomeCli({ prefix: 'cdf-auth-first-hour-', homeInEnv: true });

describe('3. an emulator that shows a sign-in page to a person', () => {
  it('--headless against it fails at once, saying why', async () => {
    const interactive = await startEmulator({ seed: 'first-hour-interactive', headless: false });
    try {
      const run = await cli([
        'login',
        '--base-url',
        interactive.baseUrl,
        '--issuer',
        interactive.issuer,
        '--client-id',
        interactive.clients.cli,
        '--flow',
        'authorization-code',
        '--headless',
      ]);
      expect(run.code).not.toBe(0);
      expect(run.err).toContain('needs a person');
      expect(run.err).toContain('--headless');
      // No timed assertion: a sign-in that waited for the page would wait out the 5-minute callback
      // deadline, far past this test's own timeout.
    } finally {
      await interactive.close();
    }
  });

  it('emulator --interactive --json lists no --headless command to try', async () => {
    const child = spawn(process.execPath, [CLI_BIN, 'emulator', '--interactive', '--json'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const reader = createInterface({ input: child.stdout });
      const line = await new Promise<string>((resolve) => reader.once('line', resolve));
      const printed = JSON.parse(line) as { try: string[] };
      expect(printed.try.length).toBeGreaterThan(3);
      expect(printed.try.filter((command) => command.includes('--headless'))).toEqual([]);
    } finally {
      child.kill('SIGINT');
    }
  });
});
