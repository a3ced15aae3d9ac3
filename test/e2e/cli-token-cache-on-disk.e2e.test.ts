/** The CLI's token cache on disk: never through a symlink, modes 0700/0600, a corrupt entry or a folder said plainly. */
import { chmod, lstat, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulatorCli } from '../helpers/cli-suite.js';

const { emulator, home, cli, loginUrl, tokenFile } = await emulatorCli({ prefix: 'cdf-auth-hard-', reset: true });

describe('the token cache on disk', () => {
  it('never writes through a symlink: the target is untouched and the failure is cacheUnsafe', async () => {
    expect((await loginUrl()).code).toBe(0);
    const file = await tokenFile();
    const target = path.join(home(), 'elsewhere.txt');
    await writeFile(target, 'do not touch');
    await rm(file);
    await symlink(target, file);
    const again = await loginUrl();
    expect(again.code).toBe(3);
    expect(again.err).toContain('cacheUnsafe');
    expect(again.err).toContain(file);
    expect(await readFile(target, 'utf8')).toBe('do not touch');
    // current.json as a link is refused as well.
    await rm(file);
    await rm(path.join(home(), 'current.json'), { force: true });
    await symlink(target, path.join(home(), 'current.json'));
    expect((await loginUrl()).err).toContain('cacheUnsafe');
    expect(await readFile(target, 'utf8')).toBe('do not touch');
  });

  it('fixes a folder wider than 0700 and a file wider than 0600', async () => {
    expect((await loginUrl()).code).toBe(0);
    const file = await tokenFile();
    await chmod(home(), 0o755);
    await chmod(file, 0o644);
    expect((await cli(['token'])).code).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await loginUrl()).code).toBe(0);
    expect((await stat(home())).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('a corrupt entry: its message says to run logout, and logout removes it', async () => {
    expect((await loginUrl()).code).toBe(0);
    const file = await tokenFile();
    await writeFile(file, '{"v":1, truncated');
    const token = await cli(['token']);
    expect(token.err).toContain('cacheCorrupt');
    expect(token.err).toContain('cdf-auth logout');
    const logout = await cli(['logout']);
    expect(logout.code).toBe(0);
    expect((await readdir(home())).some((f) => f.startsWith('tokens-'))).toBe(false);
  });

  it('a folder where the token file should be is a clear error before signing in', async () => {
    expect((await loginUrl()).code).toBe(0);
    const file = await tokenFile();
    await rm(file);
    await mkdir(file);
    const before = emulator.requests.length;
    const again = await loginUrl();
    expect(again.code).toBe(3);
    expect(again.err).toContain('cacheUnsafe');
    expect(emulator.requests.slice(before).map((r) => r.path)).not.toContain('/login/url');
    expect((await lstat(file)).isDirectory()).toBe(true);
  });
});
