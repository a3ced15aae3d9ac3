/**
 * Discovery that the IdP refuses with a 4xx: no metadata at this issuer. The failure names the URL asked,
 * the status and what to check (the tenant, when Entra ID says it does not know it), quotes what the IdP
 * said, and keeps Entra's diagnostics only in their expected shapes. Then: metadata is fetched once, and a
 * multi-tenant authority may also name itself as the issuer.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { discoveryRefusalOf } from '../../src/protocol/oidc/errors.js';
import { createOidcClient } from '../../src/protocol/oidc.js';
import { failureOf } from '../helpers/failure.js';
import { startFakeIdp } from '../helpers/fake-idp.js';
import { startTestServer } from '../helpers/http-server.js';

const URL_ASKED = 'https://login.example.com/tenant-x/v2.0/.well-known/openid-configuration';
const CHECK_ISSUER =
  'check the issuer (--issuer, IDP_DISCOVERY_URL or IDP_AUTHORITY_URL; at Entra ID --tenant and --authority)';
const CHECK_TENANT = 'check --tenant (IDP_TENANT_ID): the tenant id or domain is not one Entra ID knows';
const TRACE = '0f4e2c1a-1111-4222-8333-944445555666';

const server = await startTestServer();
afterAll(() => server.close());

const refusal = (status: number | undefined, errorBody?: unknown) =>
  discoveryRefusalOf({ ...(status === undefined ? {} : { status }), errorBody }, URL_ASKED);

describe('which discovery answers are a refusal', () => {
  it.each([
    [400, true],
    [401, true],
    [404, true],
    [499, true],
    [undefined, false],
    [200, false],
    [399, false],
    [408, false],
    [429, false],
    [500, false],
    [503, false],
  ])('HTTP %s is a refusal: %s (timeouts, rate limits and server trouble are not)', (status, refused) => {
    const error = refusal(status);
    expect(error !== undefined).toBe(refused);
    if (error) {
      expect(error.code).toBe('http');
      expect(error.status).toBe(status);
    }
  });
});

describe('what a refused discovery says', () => {
  it('without a body: the URL asked, the status and to check the issuer, and nothing quoted', () => {
    const error = refusal(404);
    expect(error?.message).toBe(`IdP discovery at ${URL_ASKED} answered HTTP 404: ${CHECK_ISSUER}.`);
    expect(error?.idpDiagnostics).toBeUndefined();
    expect(refusal(404, {})?.message).toBe(`IdP discovery at ${URL_ASKED} answered HTTP 404: ${CHECK_ISSUER}.`);
    expect(refusal(404, null)?.message).toBe(`IdP discovery at ${URL_ASKED} answered HTTP 404: ${CHECK_ISSUER}.`);
  });

  it("Entra's unknown tenant (invalid_tenant, AADSTS90002): check the tenant, with its description and trace id", () => {
    const error = refusal(400, {
      error: 'invalid_tenant',
      error_description: "AADSTS90002: Tenant 'tenant-x' not found.",
      error_codes: [90002],
      timestamp: '2026-12-02 10:00:00Z',
      trace_id: TRACE,
      correlation_id: 'corr-1',
    });
    expect(error?.message).toBe(
      `IdP discovery at ${URL_ASKED} answered HTTP 400: ${CHECK_TENANT}. The IdP said: AADSTS90002: Tenant 'tenant-x' not found; trace_id ${TRACE}.`,
    );
    expect(error?.idpDiagnostics).toEqual({
      errorCodes: [90002],
      traceId: TRACE,
      correlationId: 'corr-1',
      timestamp: '2026-12-02 10:00:00Z',
    });
  });

  it.each([
    ['the error invalid_tenant alone', { error: 'invalid_tenant' }, CHECK_TENANT],
    [
      'the error code 90002 under another error',
      { error: 'invalid_request', error_codes: [50001, 90002] },
      CHECK_TENANT,
    ],
    ['other error codes', { error: 'invalid_request', error_codes: [50001] }, CHECK_ISSUER],
    ['a trace id without error codes', { error: 'invalid_request', trace_id: TRACE }, CHECK_ISSUER],
    ['another error without diagnostics', { error: 'not_found' }, CHECK_ISSUER],
    ['90002 among codes that are not all integers', { error: 'x', error_codes: [90002, 'x'] }, CHECK_ISSUER],
  ])('%s: %s', (_name, body, check) => {
    expect(refusal(400, body)?.message).toContain(`answered HTTP 400: ${check}.`);
  });

  it('quotes the description alone, or the trace id alone, and nothing that is not text', () => {
    expect(refusal(404, { error_description: 'No such tenant.' })?.message).toBe(
      `IdP discovery at ${URL_ASKED} answered HTTP 404: ${CHECK_ISSUER}. The IdP said: No such tenant.`,
    );
    expect(refusal(404, { trace_id: TRACE })?.message).toBe(
      `IdP discovery at ${URL_ASKED} answered HTTP 404: ${CHECK_ISSUER}. The IdP said: trace_id ${TRACE}.`,
    );
    expect(refusal(404, { error_description: 42 })?.message).toBe(
      `IdP discovery at ${URL_ASKED} answered HTTP 404: ${CHECK_ISSUER}.`,
    );
  });

  it('a token-shaped text in the description is not repeated', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    expect(refusal(400, { error_description: `bad ${jwt}` })?.message).toContain('The IdP said: bad [redacted].');
  });
});

describe("the IdP's diagnostics are kept only in their expected shapes", () => {
  const diagnostics = (body: object) => refusal(400, { error: 'x', ...body })?.idpDiagnostics;

  it('keeps the first five integer error codes, ids of word characters and dashes, and a timestamp', () => {
    expect(
      diagnostics({
        error_codes: [1, 2, 3, 4, 5, 6, 7],
        trace_id: 'abc_DEF-123',
        correlation_id: 'c'.repeat(64),
        timestamp: '2026-12-02T10:00:00.123+01:00',
      }),
    ).toEqual({
      errorCodes: [1, 2, 3, 4, 5],
      traceId: 'abc_DEF-123',
      correlationId: 'c'.repeat(64),
      timestamp: '2026-12-02T10:00:00.123+01:00',
    });
  });

  it.each([
    ['no diagnostics at all', {}],
    ['error codes that are not all integers', { error_codes: [90002, 'x'] }],
    ['error codes that are not a list', { error_codes: 90002 }],
    ['a trace id with a space', { trace_id: 'abc def' }],
    ['a trace id with other characters before it', { trace_id: '<b>abc' }],
    ['a trace id over 64 characters', { trace_id: 'a'.repeat(65) }],
    ['a trace id that is a number', { trace_id: 12345 }],
    ['a correlation id that is a number', { correlation_id: 12345 }],
    ['a timestamp that is not a time', { timestamp: 'yesterday at noon' }],
    ['a timestamp with text before it', { timestamp: 'x2026-12-02 10:00:00Z' }],
    ['a timestamp with text after it', { timestamp: '2026-12-02 10:00:00Z<script>' }],
    ['a timestamp that is a number', { timestamp: 1764669600000 }],
  ])('%s: no diagnostics', (_name, body) => {
    expect(diagnostics(body)).toBeUndefined();
  });
});

describe('discovery against a server that refuses it', () => {
  it.each([
    ['', '/.well-known/openid-configuration'],
    ['/tenant-x/v2.0', '/tenant-x/v2.0/.well-known/openid-configuration'],
    ['/tenant-x/', '/tenant-x/.well-known/openid-configuration'],
  ])('issuer path "%s": the failure names %s, the URL asked', async (path, asked) => {
    const seen: string[] = [];
    server.handle((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_tenant', error_codes: [90002], trace_id: TRACE }));
    });
    const client = createOidcClient({ issuer: `${server.url}${path}`, clientId: 'cli', timeoutMs: 5_000 });
    const error = await failureOf(client.discover());
    expect(seen).toEqual([asked]);
    expect(error.code).toBe('http');
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      `IdP discovery at ${server.url}${asked} answered HTTP 400: ${CHECK_TENANT}. The IdP said: trace_id ${TRACE}.`,
    );
    expect(error.idpDiagnostics).toEqual({ errorCodes: [90002], traceId: TRACE });
  });
});

describe('metadata once found', () => {
  let idp: Awaited<ReturnType<typeof startFakeIdp>> | undefined;
  afterEach(async () => {
    await idp?.close();
    idp = undefined;
  });

  it('is fetched once per client, however often it is asked for', async () => {
    idp = await startFakeIdp();
    const client = createOidcClient({ issuer: idp.issuer, clientId: 'cli' });
    await client.discover();
    await client.discover();
    await client.authorizationUrl({
      redirectUri: 'http://127.0.0.1:1/cb',
      scope: 'openid',
      state: 's',
      nonce: 'n',
      codeVerifier: 'v'.repeat(43),
    });
    expect(idp.hits.get('/.well-known/openid-configuration')).toBe(1);
  });

  it('a multi-tenant authority whose metadata names the authority itself (not the template) is accepted', async () => {
    idp = await startFakeIdp({ metadata: (issuer) => ({ issuer: `${issuer}/organizations/v2.0` }) });
    const client = createOidcClient({ issuer: `${idp.issuer}/organizations/v2.0`, clientId: 'cli' });
    expect((await client.discover()).issuer).toBe(`${idp.issuer}/organizations/v2.0`);
  });
});
