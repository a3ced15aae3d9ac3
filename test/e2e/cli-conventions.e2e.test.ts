/**
 * The conventions people expect of a CLI: $BROWSER, status/switch/logins as gh and az have them, api as gh api.
 * Found in the first hour with the CLI, met the way a person meets it; seen failing before its fix.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loginUrlArgs } from '../helpers/cli.js';
import { emulatorCli } from '../helpers/cli-suite.js';

const { emulator, home, cli, service, secret, person } = await emulatorCli({
  prefix: 'cdf-auth-first-hour-',
  homeInEnv: true,
  emulator: { seed: 'first-hour' },
});

describe('conventions people expect', () => {
  it('10. the flow choice honours $BROWSER (WSL sets BROWSER=wslview) and --verbose says why it chose', async () => {
    const args = person();
    // No display, over SSH or not: without $BROWSER the device code; with it, the browser (here: headless).
    const device = await cli([...args, '--verbose', '--timeout', '2'], { DISPLAY: '', SSH_TTY: '' });
    expect(device.err).toContain('flow: device-code (chosen: no browser can open here');
    const code = await cli([...args, '--verbose', '--timeout', '2', '--no-browser'], {
      DISPLAY: '',
      BROWSER: 'wslview',
    });
    expect(code.err).toContain('flow: authorization-code (chosen: a browser can open here');
  });

  it('11. status --project P works alone (the one cached login of that project)', async () => {
    expect((await cli(service(), secret())).code).toBe(0);
    const run = await cli(['status', '--project', 'demo', '--json'], secret());
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(run.out)).toMatchObject({ project: 'demo' });
  });

  it('11. login --json has no projectId -1; token --json prints token, expiry and type', async () => {
    const login = await cli([...service(), '--json'], secret());
    expect(JSON.parse(login.out)).not.toHaveProperty('projectId');
    const token = await cli(['token', '--json'], secret());
    expect(token.code).toBe(0);
    const printed = JSON.parse(token.out) as { accessToken: string; expiresAt: string; tokenType: string };
    expect(printed.tokenType).toBe('Bearer');
    expect(printed.accessToken.split('.')).toHaveLength(3);
    expect(Number.isNaN(Date.parse(printed.expiresAt))).toBe(false);
  });

  it('11. api -f with -X GET sends query parameters, as gh api does; --verbose prints the request line and status', async () => {
    expect((await cli(service(), secret())).code).toBe(0);
    const before = emulator.requests.length;
    const run = await cli(
      ['api', '/api/v1/projects/{project}/assets', '-X', 'GET', '-f', 'limit=1', '-f', 'name=pump 1', '--verbose'],
      secret(),
    );
    expect(run.code).toBe(0);
    const sent = emulator.requests.slice(before).find((request) => request.path.endsWith('/assets'));
    expect(sent).toMatchObject({ method: 'GET', search: '?limit=1&name=pump+1' });
    expect(run.err).toContain(`> GET ${emulator.baseUrl}/api/v1/projects/demo/assets?limit=1&name=pump+1`);
    expect(run.err).toMatch(/< HTTP 200/);
    expect(run.err).not.toMatch(/Bearer|eyJ/);
    // A path that answers only GET takes -f as query parameters without -X GET.
    const inspect = await cli(['api', 'api/v1/token/inspect', '-f', 'x=1'], secret());
    expect(inspect.code).toBe(0);
    expect(emulator.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/v1/token/inspect', search: '?x=1' });
  });

  it('11. switch makes a cached login the current one (gh auth switch, az account set)', async () => {
    expect((await cli(service(), secret())).code).toBe(0);
    expect((await cli([...loginUrlArgs(emulator.baseUrl, 'other'), '--headless'])).code).toBe(0);
    expect(JSON.parse((await cli(['status', '--json'])).out)).toMatchObject({ project: 'other' });
    const run = await cli(['switch', '--project', 'demo']);
    expect({ code: run.code, out: run.out }).toEqual({ code: 0, out: `Now using demo at ${emulator.baseUrl}.\n` });
    expect(JSON.parse((await cli(['status', '--json'], secret())).out)).toMatchObject({ project: 'demo' });
    expect((await cli(['switch', '--project', 'nope'])).code).toBe(2);
    expect((await cli(['switch'])).err).toContain('Name the login to switch to');
  });

  it('11. logins has column headers and lists an unreadable entry as such', async () => {
    expect((await cli(service(), secret())).code).toBe(0);
    await writeFile(path.join(home(), 'tokens-0123456789abcdef01234567.json'), '{ not json', { mode: 0o600 });
    const run = await cli(['logins']);
    expect(run.code).toBe(0);
    const [header, row, broken] = run.out.split('\n');
    expect(
      header
        ?.trim()
        .split(/\s{2,}/)
        .map((h) => h.trim()),
    ).toEqual(['BASE URL', 'PROJECT', 'FLOW', 'USER']);
    expect(row).toMatch(new RegExp(`^\\* +${emulator.baseUrl} +demo +client-credentials`));
    expect(broken).toBe(
      `unreadable: ${path.join(home(), 'tokens-0123456789abcdef01234567.json')} (remove it, or sign in again to the login it held)`,
    );
    const json = JSON.parse((await cli(['logins', '--json'])).out) as object[];
    expect(json.at(-1)).toEqual({ unreadable: path.join(home(), 'tokens-0123456789abcdef01234567.json') });
  });

  it('11. api api/v1/... without the leading slash works', async () => {
    expect((await cli(service(), secret())).code).toBe(0);
    const run = await cli(['api', 'api/v1/projects/{project}/assets'], secret());
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: '' });
  });
});
