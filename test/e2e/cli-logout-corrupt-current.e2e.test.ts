/**
 * `cdf-auth logout` works on a corrupt current.json and says what it removed.
 * Found in the first hour with the CLI, met the way a person meets it; seen failing before its fix.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulatorCli } from '../helpers/cli-suite.js';

const { home, cli, service, secret } = await emulatorCli({
  prefix: 'cdf-auth-first-hour-',
  homeInEnv: true,
  emulator: { seed: 'first-hour' },
});

describe('bugs of the first hour', () => {
  it('4. logout works on a corrupt current.json and says what it removed', async () => {
    expect((await cli(service(), secret())).code).toBe(0);
    await writeFile(path.join(home(), 'current.json'), '{ not json');
    const logout = await cli(['logout']);
    expect({ code: logout.code, err: logout.err }).toEqual({ code: 0, err: '' });
    expect(logout.out).toContain('current.json');
    expect((await cli(['logout'])).code).not.toBe(1);
  });
});
