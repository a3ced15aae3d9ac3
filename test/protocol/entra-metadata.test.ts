/**
 * What Entra ID's metadata does differently, met by the OIDC client: no `code_challenge_methods_supported`
 * (PKCE S256 still works and must be used), the `{tenantid}` issuer template of the multi-tenant
 * authorities (the ID token's `iss` must be the template filled with its own `tid`, and nothing else), and
 * `authorization_declined` for a declined device code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOidcClient } from '../../src/protocol/oidc.js';
import { json, startFakeIdp } from '../helpers/fake-idp.js';

const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
let idp: Awaited<ReturnType<typeof startFakeIdp>> | undefined;
afterEach(() => idp?.close());

const failureOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: { code?: string }) => error,
  );

describe('PKCE when the IdP does not list its methods', () => {
  it('an IdP that names no code_challenge_methods_supported is taken to support S256; one that lists others is not', async () => {
    idp = await startFakeIdp({ metadata: () => ({ code_challenge_methods_supported: undefined }) });
    expect((await createOidcClient({ issuer: idp.issuer, clientId: 'cli' }).discover()).s256Supported).toBe(true);
    await idp.close();
    idp = await startFakeIdp({ metadata: () => ({ code_challenge_methods_supported: ['plain'] }) });
    expect((await createOidcClient({ issuer: idp.issuer, clientId: 'cli' }).discover()).s256Supported).toBe(false);
  });
});

describe('an Entra ID multi-tenant authority', () => {
  const template = (issuer: string) => `${issuer}/{tenantid}/v2.0`;
  const start = async (issuerOf: (issuer: string) => string = template) => {
    idp = await startFakeIdp({ metadata: (issuer) => ({ issuer: issuerOf(issuer) }) });
    return createOidcClient({ issuer: `${idp.issuer}/common/v2.0`, clientId: 'cli' });
  };

  it('accepts the {tenantid} template in the metadata, and an ID token whose iss is the template with its tid', async () => {
    const client = await start();
    // The machines compare it with the configured issuer: the template was checked against it already.
    expect((await client.discover()).issuer).toBe(`${idp!.issuer}/common/v2.0`);
    const token = await idp!.sign({ iss: `${idp!.issuer}/${TID}/v2.0`, tid: TID });
    expect(await client.validateIdToken(token, {})).toMatchObject({ iss: `${idp!.issuer}/${TID}/v2.0` });
  });

  it.each([
    [
      'names another tenant than its tid',
      (issuer: string) => ({ iss: `${issuer}/11111111-2222-3333-4444-555555555555/v2.0`, tid: TID }),
    ],
    ['carries no tid', (issuer: string) => ({ iss: `${issuer}/${TID}/v2.0` })],
    ['has a tid that is not a tenant id', (issuer: string) => ({ iss: `${issuer}/x/../v2.0`, tid: 'x/..' })],
    ['names the template itself', (issuer: string) => ({ iss: `${issuer}/{tenantid}/v2.0`, tid: '{tenantid}' })],
  ])('refuses an ID token that %s', async (_name, claims) => {
    const client = await start();
    const token = await idp!.sign(claims(idp!.issuer));
    expect(await failureOf(client.validateIdToken(token, {}))).toMatchObject({ code: 'idTokenInvalid' });
  });

  it('refuses metadata whose issuer is neither the authority nor its template', async () => {
    const client = await start((issuer) => `${issuer}/${TID}/v2.0`);
    expect(await failureOf(client.discover())).toMatchObject({ code: 'issuerMismatch' });
  });

  it('a single-tenant authority still needs the exact issuer: a template there is a mismatch', async () => {
    idp = await startFakeIdp({ metadata: (issuer) => ({ issuer: `${issuer}/{tenantid}/v2.0` }) });
    const client = createOidcClient({ issuer: `${idp.issuer}/${TID}/v2.0`, clientId: 'cli' });
    expect(await failureOf(client.discover())).toMatchObject({ code: 'issuerMismatch' });
  });

  it('the code exchange checks the ID token iss against the template filled with its tid', async () => {
    const client = await start();
    const good = await idp!.sign({ iss: `${idp!.issuer}/${TID}/v2.0`, tid: TID, nonce: 'n' });
    idp!.on('/token', (_req, res) =>
      json(res, 200, { access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token: good }),
    );
    const exchange = () =>
      client.exchangeCode({
        callbackUrl: 'http://127.0.0.1:1/callback?code=c0de&state=st',
        redirectUri: 'http://127.0.0.1:1/callback',
        state: 'st',
        codeVerifier: 'v'.repeat(43),
        nonce: 'n',
      });
    expect((await exchange()).idToken).toBe(good);
    const bad = await idp!.sign({
      iss: `${idp!.issuer}/11111111-2222-3333-4444-555555555555/v2.0`,
      tid: TID,
      nonce: 'n',
    });
    idp!.on('/token', (_req, res) =>
      json(res, 200, { access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token: bad }),
    );
    expect(await failureOf(exchange())).toMatchObject({ code: 'idTokenInvalid' });
  });
});

describe('a declined device code', () => {
  it("Entra's authorization_declined is a denial, like RFC 8628's access_denied", async () => {
    idp = await startFakeIdp();
    idp.on('/token', (_req, res) =>
      json(res, 400, { error: 'authorization_declined', error_description: 'AADSTS70000: declined' }),
    );
    const client = createOidcClient({ issuer: idp.issuer, clientId: 'cli' });
    expect(await client.pollDeviceCode('dc-123456')).toEqual({ kind: 'denied' });
  });
});
