/**
 * `--env-file` naming a missing file is the CLI's usage error, also run through the bin link's shebang.
 * Found in the first hour with the CLI, met the way a person meets it; seen failing before its fix.
 */
import { spawn } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_BIN } from '../helpers/cli.js';
import { freshHomeCli } from '../helpers/cli-suite.js';

const { home } = freshHomeCli({ prefix: 'cdf-auth-first-hour-' });

describe('bugs of the first hour', () => {
  it("1. --env-file nope.env is the CLI's usage error (Node 20 reads --env-file anywhere on the command line)", async () => {
    // Run as npm's bin link runs it: the file itself, through its shebang.
    await chmod(CLI_BIN, 0o755);
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(CLI_BIN, ['login', '--env-file', path.join(home(), 'nope.env'), '--json'], {
        env: { ...process.env, CDF_AUTHFLOW_HOME: home() },
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.on('exit', (code) => resolve({ code, out }));
    });
    expect(run.code).toBe(2);
    expect(JSON.parse(run.out)).toMatchObject({ error: { code: 'usage' } });
  });
});
