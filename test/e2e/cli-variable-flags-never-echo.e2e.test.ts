/** `--client-secret-env` and `--api-key-env` take a variable's name: a value given there is never echoed. */
import { describe, expect, it } from 'vitest';
import { emulatorOidcArgs } from '../helpers/cli.js';
import { emulatorCli } from '../helpers/cli-suite.js';

const { emulator, cli } = await emulatorCli({ prefix: 'cdf-auth-hard-', reset: true });

describe('a value given where a variable name is expected is never echoed', () => {
  it.each(['client-secret-env', 'api-key-env'])('--%s s3cr3t… is refused without repeating it', async (flag) => {
    const secret = 's3cr3t-Value/with+chars=';
    const flow = flag === 'api-key-env' ? 'api-key' : 'client-credentials';
    const result = await cli(['login', '--flow', flow, ...emulatorOidcArgs(emulator, 'service'), `--${flag}`, secret]);
    expect(result.code).toBe(2);
    expect(result.out + result.err).not.toContain(secret);
    expect(result.err).toContain(`--${flag}`);
    const json = await cli(['login', '--flow', flow, '--base-url', emulator.baseUrl, `--${flag}`, secret, '--json']);
    expect(json.out + json.err).not.toContain(secret);
  });

  it('an unset variable is named, and said to be unset', async () => {
    const result = await cli([
      'login',
      '--flow',
      'api-key',
      '--base-url',
      emulator.baseUrl,
      '--api-key-env',
      'NOT_SET_HERE',
    ]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/variable named by --api-key-env \(NOT_SET_HERE\) is not set/);
  });
});
