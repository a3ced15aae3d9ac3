/**
 * A "browser" without a screen: an HTTP client with a cookie jar that follows redirects, for the demo,
 * tests and CI. It does what a person's browser does on a page that only redirects (the emulator's
 * headless IdP), and nothing more: no scripts, no forms.
 */
import { CookieJar } from 'tough-cookie';
import { AuthFlowError } from '../../errors/auth-flow-error.js';

/** Options of {@link followRedirects}. */
export interface HeadlessBrowserOptions {
  /** Cookies persist across calls that share a jar. @default a new jar */
  readonly jar?: CookieJar;
  /** The most redirects to follow. @default 20 */
  readonly maxRedirects?: number;
  /** Deadline for the whole navigation, in ms. @default 15000 */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /**
   * Stop before requesting a URL for which this returns true, and resolve with it (status 0): a test or
   * a harness can then inspect or alter the callback before delivering it.
   */
  readonly until?: (url: string) => boolean;
}

/**
 * GETs `url` and follows `Location` headers until a response is not a redirect; resolves with the last
 * URL and status. Rejects with code `navigationFailed` on a loop, a timeout or an unreachable host.
 */
export async function followRedirects(
  url: string,
  options: HeadlessBrowserOptions = {},
): Promise<{ readonly url: string; readonly status: number }> {
  const jar = options.jar ?? new CookieJar();
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  let current = url;
  for (let hop = 0; hop <= (options.maxRedirects ?? 20); hop += 1) {
    if (hop > 0 && options.until?.(current)) return { url: current, status: 0 };
    let response: Response;
    try {
      const cookie = await jar.getCookieString(current);
      response = await fetch(current, { redirect: 'manual', signal, headers: cookie ? { cookie } : {} });
      for (const setCookie of response.headers.getSetCookie()) {
        await jar.setCookie(setCookie, current, { ignoreError: true });
      }
      await response.body?.cancel();
    } catch (error) {
      if (options.signal?.aborted)
        throw new AuthFlowError({ code: 'cancelled', message: 'The headless browser was cancelled.' });
      const reason = deadline.aborted ? `no answer within ${timeoutMs} ms` : 'the page could not be reached';
      throw new AuthFlowError(
        { code: 'navigationFailed', message: `The headless browser failed: ${reason}.` },
        { cause: error },
      );
    }
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) {
      return { url: current, status: response.status };
    }
    current = new URL(location, current).toString();
  }
  throw new AuthFlowError({ code: 'navigationFailed', message: 'The headless browser met too many redirects.' });
}
