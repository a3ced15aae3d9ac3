/** `cdf-auth login --flow login-url` keeps the app's query and fragment on both redirect URLs it sends. */
import { describe, expect, it } from 'vitest';
import { freshHomeCli } from '../helpers/cli-suite.js';
import { startCdfWithoutIdp } from '../helpers/http-server.js';

const { cli } = freshHomeCli({ prefix: 'cdf-auth-hard-' });

describe('cdf-auth login --flow login-url with the app’s query and fragment', () => {
  it('--redirect-param and --redirect-fragment reach /login/url on both redirect URLs, beside the flow id', async () => {
    const cdf = await startCdfWithoutIdp();

    try {
      const result = await cli([
        'login',
        '--flow',
        'login-url',
        '--base-url',
        cdf.url,
        '--project',
        'demo',
        '--no-browser',
        '--redirect-param',
        'tenant=acme',
        '--redirect-param',
        'x=1=2',
        '--redirect-fragment',
        '#top',
      ]);
      expect(result.err).toContain('noIdpConfigured');
      const query = cdf.loginUrlQuery();
      for (const name of ['redirectUrl', 'errorRedirectUrl']) {
        const url = new URL(query.get(name) ?? '');
        expect([url.searchParams.get('tenant'), url.searchParams.get('x'), url.hash]).toEqual(['acme', '1=2', '#top']);
        expect(url.searchParams.get('cdf_flow')).toBeTruthy();
      }
    } finally {
      await cdf.close();
    }
  });
});
