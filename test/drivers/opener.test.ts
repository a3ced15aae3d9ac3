import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canOpenBrowser, printUrlOpener, systemBrowserOpener } from '../../src/drivers/node/opener.js';

async function recorder() {
  const dir = await mkdtemp(path.join(tmpdir(), 'opener-'));
  const script = path.join(dir, 'fake-browser');
  const log = path.join(dir, 'log');
  await writeFile(script, `#!/bin/sh\nprintf '%s\\n' "$@" > "${log}"\n`);
  await chmod(script, 0o755);
  const read = async () => {
    for (let i = 0; i < 50; i += 1) {
      const text = await readFile(log, 'utf8').catch(() => '');
      if (text) return text.trim().split('\n');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return [];
  };
  return { script, read };
}

const signal = new AbortController().signal;

describe('openers', () => {
  it('honours $BROWSER, skipping commands that do not exist, as xdg-open does', async () => {
    const fake = await recorder();
    await systemBrowserOpener({ BROWSER: `/no/such/browser:${fake.script}` }, 'linux')('http://127.0.0.1/x?a=1&b=2', {
      signal,
    });
    expect(await fake.read()).toEqual(['http://127.0.0.1/x?a=1&b=2']);
  });

  it('substitutes %s in $BROWSER', async () => {
    const fake = await recorder();
    await systemBrowserOpener({ BROWSER: `${fake.script} --new-window %s` }, 'linux')('http://a/b', { signal });
    expect(await fake.read()).toEqual(['--new-window', 'http://a/b']);
  });

  it('fails with navigationFailed when no browser can be started', async () => {
    const opener = systemBrowserOpener({ BROWSER: '/no/such/browser', PATH: '/nonexistent' }, 'linux');
    await expect(opener('http://a/b', { signal })).rejects.toMatchObject({ code: 'navigationFailed' });
  });

  it('prints the URL on a line of its own for --no-browser', async () => {
    const lines: string[] = [];
    await printUrlOpener((text) => lines.push(text))('http://a/login', { signal });
    expect(lines.join('').split('\n')).toContain('http://a/login');
  });
});

describe('canOpenBrowser', () => {
  it('no browser over SSH; on Linux only with a display (the CLI and defaultCredential then use the device code)', () => {
    expect(canOpenBrowser({ SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 5000', DISPLAY: ':0' })).toBe(false);
    expect(canOpenBrowser({ SSH_TTY: '/dev/pts/1' })).toBe(false);
    const linux = process.platform === 'linux';
    expect(canOpenBrowser({})).toBe(!linux);
    expect(canOpenBrowser({ DISPLAY: ':0' })).toBe(true);
    expect(canOpenBrowser({ WAYLAND_DISPLAY: 'wayland-0' })).toBe(true);
  });
});
