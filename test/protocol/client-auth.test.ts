/**
 * How a confidential client proves itself (RFC 6749 §2.3.1): by what the IdP advertises, or the method
 * forced; a refusal says which method was used and that the other exists. An IdP's empty 401/403 says
 * what the status means, not that the body was not JSON. `resource` (RFC 8707) goes on every request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOidcClient } from '../../src/protocol/oidc.js';
import { failureOf } from '../helpers/failure.js';
import { json, startFakeIdp } from '../helpers/fake-idp.js';

let idp: Awaited<ReturnType<typeof startFakeIdp>> | undefined;
afterEach(async () => {
  await idp?.close();
  idp = undefined;
});

const SECRET = 'the-client-secret';

/** A service client of the fake IdP whose token endpoint records each request (see {@link recordToken}). */
async function recordedService(options: Omit<Parameters<typeof createOidcClient>[0], 'issuer' | 'clientId'>) {
  idp = await startFakeIdp();
  const seen: Array<{ basic: boolean; body: URLSearchParams }> = [];
  recordToken(idp, seen);
  const client = createOidcClient({ issuer: idp.issuer, clientId: 'svc-1', clientSecret: SECRET, ...options });
  return { client, seen };
}

/** A token endpoint that records how the client authenticated and what it sent. */
function recordToken(fake: NonNullable<typeof idp>, seen: Array<{ basic: boolean; body: URLSearchParams }>) {
  fake.on('/token', (req, res, body) => {
    seen.push({ basic: (req.headers.authorization ?? '').startsWith('Basic '), body: new URLSearchParams(body) });
    json(res, 200, { access_token: 'at', token_type: 'Bearer', expires_in: 300 });
  });
}

describe('client authentication by the metadata', () => {
  it.each([
    [undefined, true],
    [['client_secret_basic', 'client_secret_post'], true],
    [['client_secret_post'], false],
  ])('advertised %j: Basic is %s', async (methods, basic) => {
    idp = await startFakeIdp({ metadata: () => ({ token_endpoint_auth_methods_supported: methods }) });
    const seen: Array<{ basic: boolean; body: URLSearchParams }> = [];
    recordToken(idp, seen);
    const client = createOidcClient({ issuer: idp.issuer, clientId: 'svc-1', clientSecret: SECRET });
    await client.clientCredentials({ scope: 's' });
    expect(seen[0]?.basic).toBe(basic);
    expect(seen[0]?.body.get('client_secret')).toBe(basic ? null : SECRET);
  });

  it('clientAuth forces the method; resource goes with every grant', async () => {
    const { client, seen } = await recordedService({ clientAuth: 'post', resource: 'https://cdf.example' });
    await client.clientCredentials({ scope: 's' });
    await client.refresh('rt');
    expect(seen.map((s) => [s.basic, s.body.get('client_secret'), s.body.get('resource')])).toEqual([
      [false, SECRET, 'https://cdf.example'],
      [false, SECRET, 'https://cdf.example'],
    ]);
  });

  it('a token endpoint without discovery (tokenEndpoint): no /.well-known request', async () => {
    idp = await startFakeIdp();
    const seen: Array<{ basic: boolean; body: URLSearchParams }> = [];
    recordToken(idp, seen);
    const client = createOidcClient({
      issuer: idp.issuer,
      clientId: 'svc-1',
      clientSecret: SECRET,
      tokenEndpoint: `${idp.issuer}/token`,
    });
    expect((await client.clientCredentials({ scope: '' })).accessToken).toBe('at');
    expect(idp.hits.get('/.well-known/openid-configuration')).toBeUndefined();
  });
});

describe('refusals an IdP gives without a body', () => {
  it.each([401, 403])(
    'an empty %i to a confidential client: clientRejected, the method used and the other offered, never the secret',
    async (status) => {
      idp = await startFakeIdp({
        metadata: () => ({ token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'] }),
      });
      idp.on('/token', (_req, res) => res.writeHead(status).end());
      const client = createOidcClient({ issuer: idp.issuer, clientId: 'svc-1', clientSecret: SECRET });
      const error = await failureOf(client.clientCredentials({ scope: 's' }));
      // The IdP refused the client, not CDF the token: its own code.
      expect(error.code).toBe('clientRejected');
      expect(error.message).toContain(`HTTP ${status} and no explanation`);
      expect(error.message).toContain('client_secret_basic');
      expect(error.message).toContain('--client-auth post');
      expect(error.message).not.toContain(SECRET);
      expect(error.message).not.toMatch(/content-type/i);
    },
  );

  it('an invalid_client JSON answer also names the method and the other one', async () => {
    idp = await startFakeIdp({
      metadata: () => ({ token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'] }),
    });
    idp.on('/token', (_req, res) => json(res, 400, { error: 'invalid_client' }));
    const client = createOidcClient({
      issuer: idp.issuer,
      clientId: 'svc-1',
      clientSecret: SECRET,
      clientAuth: 'post',
    });
    const error = await failureOf(client.clientCredentials({ scope: 's' }));
    expect(error.code).toBe('clientRejected');
    expect(error.message).toContain('sent by client_secret_post');
    expect(error.message).toContain('--client-auth basic');
  });

  it('an empty 401 to a public client revoking: what it means, and that the local login can go', async () => {
    idp = await startFakeIdp({ metadata: (issuer) => ({ revocation_endpoint: `${issuer}/revoke` }) });
    idp.on('/revoke', (_req, res) => res.writeHead(401).end());
    const error = await failureOf(
      createOidcClient({ issuer: idp.issuer, clientId: 'cli' }).revoke('rt', 'refresh_token'),
    );
    expect(error.code).toBe('clientRejected');
    expect(error.message).toContain('public client');
  });

  it('an empty 400 to a refresh: invalidGrant (sign in again), not an unreadable answer', async () => {
    idp = await startFakeIdp();
    idp.on('/token', (_req, res) => res.writeHead(400).end());
    const error = await failureOf(createOidcClient({ issuer: idp.issuer, clientId: 'cli' }).refresh('rt'));
    expect(error.code).toBe('invalidGrant');
  });
});

describe("the IdP's own diagnostics are kept", () => {
  it("Entra's AADSTS code, trace_id and correlation_id: in the message and the error's fields (not secrets)", async () => {
    idp = await startFakeIdp();
    idp.on('/token', (_req, res) =>
      json(res, 401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
        error_codes: [7000215],
        timestamp: '2026-12-02 10:00:00Z',
        trace_id: '0f4e2c1a-1111-4222-8333-944445555666',
        correlation_id: '7a6b5c4d-aaaa-4bbb-8ccc-9dddeeeeffff',
      }),
    );
    const client = createOidcClient({ issuer: idp.issuer, clientId: 'svc-1', clientSecret: SECRET });
    const error = await failureOf(client.clientCredentials({ scope: 's' }));
    expect(error.code).toBe('clientRejected');
    expect(error.message).toContain('AADSTS7000215');
    expect(error.message).toContain('trace_id 0f4e2c1a-1111-4222-8333-944445555666');
    expect(error.message).toContain('correlation_id 7a6b5c4d-aaaa-4bbb-8ccc-9dddeeeeffff');
    expect(error.toFailure().idpDiagnostics).toEqual({
      errorCodes: [7000215],
      traceId: '0f4e2c1a-1111-4222-8333-944445555666',
      correlationId: '7a6b5c4d-aaaa-4bbb-8ccc-9dddeeeeffff',
      timestamp: '2026-12-02 10:00:00Z',
    });
  });
});
