/**
 * A usage error names the option, the doubled path, the unknown machine, the flag meant.
 * Found in the first hour with the CLI, met the way a person meets it; seen failing before its fix.
 */
import { describe, expect, it } from 'vitest';
import { emulatorCli } from '../helpers/cli-suite.js';

const { emulator, cli, service, secret } = await emulatorCli({
  prefix: 'cdf-auth-first-hour-',
  homeInEnv: true,
  emulator: { seed: 'first-hour' },
});

describe('messages that say what and where', () => {
  it.each([
    [['--base-url', 'htp://x.cognitedata.com'], '--base-url'],
    [['--base-url', '127.0.0.1:8080'], '--base-url'],
  ])('7. a bad %j is a usage error (exit 2) naming the option', async (flags, option) => {
    const run = await cli([...service(), ...flags], secret());
    expect(run.code).toBe(2);
    expect(run.err).toContain(option);
  });

  it('7. --base-url ending in /api/v1 says the path is doubled', async () => {
    const run = await cli(
      [
        ...service().filter((a) => a !== emulator.baseUrl && a !== '--base-url'),
        '--base-url',
        `${emulator.baseUrl}/api/v1`,
      ],
      secret(),
    );
    expect(run.code).toBe(2);
    expect(run.err).toContain('/api/v1');
  });

  it('8. diagram nope: unknown machine, and the machines', async () => {
    const run = await cli(['diagram', 'nope']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('Unknown machine "nope"');
    expect(run.err).toContain('authorization-code');
  });

  it("8. a mistyped flag: did you mean, and the command's own help", async () => {
    const run = await cli(['login', '--flo', 'authorization-code']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('Did you mean --flow?');
    expect(run.err).toContain('Usage: cdf-auth login');
  });
});
