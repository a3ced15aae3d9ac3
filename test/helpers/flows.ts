import net from 'node:net';
import { CookieJar } from 'tough-cookie';
import { followRedirects } from '../../src/drivers/node/headless-browser.js';
import type { Opener } from '../../src/drivers/node/opener.js';

/** True when nothing listens on 127.0.0.1:port any more. */
export function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

const isLoopbackCallback = (url: string) => new URL(url).pathname === '/callback';

/**
 * An opener that plays the browser up to the loopback callback, lets the test alter the callback URL
 * (or withhold it), then delivers it. `seen` records every callback URL it met.
 */
export function scriptedOpener(
  alter: (callbackUrl: string) => string | null | Promise<string | null>,
  seen: string[] = [],
  options: { readonly detach?: boolean } = {},
): Opener {
  return async (url, { signal }) => {
    const jar = new CookieJar();
    const stop = await followRedirects(url, { jar, signal, until: isLoopbackCallback });
    if (stop.status !== 0) throw new Error(`the login URL ended at ${stop.status}, not at the callback`);
    seen.push(stop.url);
    const deliver = async () => {
      const altered = await alter(stop.url);
      if (altered === null) return new Promise<void>(() => {}); // the person never comes back
      await followRedirects(altered, { jar, signal });
    };
    // Detached: the browser was opened, the person comes back a moment later (a real browser's order).
    if (options.detach) setTimeout(() => deliver().catch(() => {}), 20);
    else await deliver();
  };
}

/** Replaces (or removes, with `null`) one query parameter of a URL. */
export function withParam(url: string, name: string, value: string | null): string {
  const parsed = new URL(url);
  if (value === null) parsed.searchParams.delete(name);
  else parsed.searchParams.set(name, value);
  return parsed.toString();
}

/** The port of the loopback callback URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}
