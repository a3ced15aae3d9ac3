/**
 * A person approving (or denying) a device code at the IdP's verification page, without a person:
 * the form posts of oidc-provider's device pages (RFC 8628 §3.3), in a fresh cookie jar.
 */
import { CookieJar } from 'tough-cookie';

const hidden = (html: string): Record<string, string> => {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(match[0])?.[1];
    const value = /value="([^"]*)"/.exec(match[0])?.[1];
    if (name && value !== undefined) fields[name] = value;
  }
  return fields;
};

/**
 * Approves or denies a device code at its verification page: the complete verification URI, or (where the
 * IdP gives none, as Entra does) the verification URI and the user code.
 */
export async function answerDeviceCode(verificationUri: string, approve: boolean, userCode?: string): Promise<void> {
  const page = new URL(verificationUri);
  if (userCode !== undefined && !page.searchParams.has('user_code')) page.searchParams.set('user_code', userCode);
  const verificationUriComplete = page.toString();
  const jar = new CookieJar();
  const request = async (url: string, body?: Record<string, string>): Promise<{ url: string; html: string }> => {
    let current = url;
    let form: URLSearchParams | undefined = body ? new URLSearchParams(body) : undefined;
    for (let hop = 0; hop < 20; hop += 1) {
      const cookie = await jar.getCookieString(current);
      const response = await fetch(current, {
        method: form ? 'POST' : 'GET',
        redirect: 'manual',
        headers: {
          ...(cookie ? { cookie } : {}),
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(form ? { body: form } : {}),
      });
      for (const setCookie of response.headers.getSetCookie())
        await jar.setCookie(setCookie, current, { ignoreError: true });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        current = new URL(location, current).toString();
        form = undefined;
        continue;
      }
      return { url: current, html: await response.text() };
    }
    throw new Error('too many redirects at the device verification page');
  };
  const first = await request(verificationUriComplete);
  const action = new URL(page.pathname, page).toString();
  const confirm = await request(action, hidden(first.html));
  const fields = hidden(confirm.html);
  delete fields.confirm;
  delete fields.abort;
  await request(action, { ...fields, ...(approve ? { confirm: 'yes' } : { abort: 'yes' }) });
}
