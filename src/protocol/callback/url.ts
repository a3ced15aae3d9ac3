/** The one way both callback readers parse a URL. */

/** The URL `url` names, or `null` when it is not an absolute URL. */
export function urlOf(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
