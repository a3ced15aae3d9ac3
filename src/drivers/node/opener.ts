/**
 * How the Node driver sends a person to a URL: the system browser (honouring `$BROWSER` as
 * `xdg-open` and `git` do), a printed line for SSH sessions, or the headless browser for tests.
 */
import { spawn } from 'node:child_process';
import type { CookieJar } from 'tough-cookie';
import { AuthFlowError } from '../../errors/auth-flow-error.js';

/**
 * Sends the user agent to `url`. Resolves once it was handed over (not when the person is done);
 * rejects with an `AuthFlowError` of code `navigationFailed` when it cannot be.
 */
export type Opener = (url: string, options: { readonly signal: AbortSignal }) => Promise<void>;

/**
 * The system browser: each command of `$BROWSER` (colon-separated, `%s` standing for the URL) in
 * turn, then the platform's own (`xdg-open`, `open`, `start`).
 */
export function systemBrowserOpener(env: NodeJS.ProcessEnv = process.env, platform = process.platform): Opener {
  return async (url) => {
    const candidates: string[][] = (env.BROWSER ?? '')
      .split(':')
      .filter((command) => command.trim() !== '')
      .map((command) => {
        const words = command.trim().split(/\s+/);
        return words.some((word) => word.includes('%s'))
          ? words.map((word) => word.replaceAll('%s', url))
          : [...words, url];
      });
    if (platform === 'darwin') candidates.push(['open', url]);
    else if (platform === 'win32') candidates.push(['cmd', '/c', 'start', '""', url.replaceAll('&', '^&')]);
    else candidates.push(['xdg-open', url]);
    for (const [command, ...args] of candidates) {
      if (command && (await launch(command, args, env))) return;
    }
    throw new AuthFlowError({
      code: 'navigationFailed',
      message: 'No browser could be started; set $BROWSER or use --no-browser and open the URL by hand.',
    });
  };
}

function launch(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore', env });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

/**
 * Prints the URL on a line of its own, for a person to open elsewhere (SSH sessions). The line holds a
 * login URL, not a token.
 */
export function printUrlOpener(write: (line: string) => void): Opener {
  return async (url) => {
    write(`Open this URL in a browser to sign in:\n${url}\n`);
  };
}

/**
 * The headless browser (an HTTP client that follows redirects) with one cookie jar for the flow: for the demo,
 * tests and CI against an IdP that signs in without a page (the emulator's headless mode).
 * It resolves only when the last page answered, which is after the callback reached the driver; a
 * last page with an error status (a refused login URL, say) rejects with `navigationFailed`.
 */
export function headlessOpener(options: { readonly timeoutMs?: number } = {}): Opener {
  let jar: CookieJar | undefined;
  return async (url, { signal }) => {
    // Loaded on use: the cookie jar's public-suffix list is most of `cdf-authflow/node`'s cold start.
    const { followRedirects } = await import('./headless-browser.js');
    jar ??= new (await import('tough-cookie')).CookieJar();
    const last = await followRedirects(url, {
      jar,
      signal,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    if (last.status >= 400) {
      throw new AuthFlowError({
        code: 'navigationFailed',
        message: `The sign-in page answered HTTP ${last.status}; fetch a new login URL and try again.`,
        status: last.status,
      });
    }
    // The redirects ended on a page of the site they started at, not at the callback: a page for a person.
    if (new URL(last.url).origin === new URL(url).origin) {
      throw new AuthFlowError({
        code: 'navigationFailed',
        message: `The sign-in stopped at a page that needs a person (${new URL(last.url).origin}${new URL(last.url).pathname}): --headless works only with an IdP that signs in without one, such as the emulator without --interactive. Drop --headless to sign in in a browser.`,
      });
    }
  };
}

/**
 * Whether a browser can open on this machine for a loopback redirect to reach, and why: `$BROWSER` names
 * one (WSL sets `BROWSER=wslview`); not in an SSH session; on Linux only with a display. Where none can,
 * the device code is the way for a person to sign in.
 */
export function browserHere(env: Readonly<Record<string, string | undefined>> = process.env): {
  /** Whether a browser can open. */
  readonly canOpen: boolean;
  /** Why, as `--verbose` says it. */
  readonly why: string;
} {
  if (env.BROWSER) return { canOpen: true, why: `$BROWSER is ${env.BROWSER.slice(0, 40)}` };
  if (env.SSH_CONNECTION || env.SSH_TTY) return { canOpen: false, why: 'an SSH session' };
  if (process.platform !== 'linux') return { canOpen: true, why: `${process.platform} opens the system browser` };
  return env.DISPLAY || env.WAYLAND_DISPLAY
    ? { canOpen: true, why: 'a display is set' }
    : { canOpen: false, why: 'no display (DISPLAY, WAYLAND_DISPLAY) and no $BROWSER' };
}

/** Whether a browser can open on this machine (see {@link browserHere}). */
export function canOpenBrowser(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return browserHere(env).canOpen;
}
