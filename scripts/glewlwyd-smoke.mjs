#!/usr/bin/env node
// Smoke test of the independent OP (Glewlwyd 2.7 from Debian) by hand: plain fetch plus headless Chromium
// (Debian's /usr/bin/chromium through playwright-core). It proves, against test/independent-op/glewlwyd.mjs:
// discovery; client_credentials (client_secret_post, Basic, a refused secret, RFC 8707 resource); code +
// PKCE S256 with a node:http listener on the registered loopback port and the person logging in at
// Glewlwyd's login page; refresh with rotation (and a replayed refresh token); revocation; the device flow.
// Prints what each step saw; exits 1 on the first step that does not go as expected.
//
//   node scripts/glewlwyd-smoke.mjs            (needs `apt-get install -y glewlwyd chromium` and npm ci)
//   CONSENT=1 node scripts/glewlwyd-smoke.mjs  (no consent given ahead: the person grants on the page)
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from '../test/helpers/chromium-launch.mjs';
import { enterUserCode, signInAsPerson, startGlewlwyd } from '../test/independent-op/glewlwyd.mjs';

const timings = {};
async function step(name, run) {
  const started = Date.now();
  process.stdout.write(`\n== ${name}\n`);
  const result = await run();
  timings[name] = Date.now() - started;
  process.stdout.write(`   (${timings[name]} ms)\n`);
  return result;
}
const show = (label, value) =>
  process.stdout.write(`   ${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
function expect(condition, message) {
  if (!condition) throw new Error(`expected: ${message}`);
}

const b64url = (buffer) => Buffer.from(buffer).toString('base64url');
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const header = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());

/** A form POST; returns status, headers, the raw body and its JSON when it is JSON. */
async function post(url, form, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, type: response.headers.get('content-type'), text, json };
}
const brief = (answer) => ({ status: answer.status, type: answer.type, body: answer.text.slice(0, 160) });

/** Checks an RS256 JWT against the OP's JWKS by hand (node:crypto). */
async function verifySignature(jwt, jwksUri) {
  const { kid, alg } = header(jwt);
  const { keys } = await (await fetch(jwksUri)).json();
  const jwk = keys.find((key) => key.kid === kid);
  expect(jwk, `a key ${kid} in ${jwksUri}`);
  expect(alg === 'RS256', `RS256, got ${alg}`);
  const [h, p, s] = jwt.split('.');
  return verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    createPublicKey({ key: jwk, format: 'jwk' }),
    Buffer.from(s, 'base64url'),
  );
}

/** A one-shot loopback listener on the registered redirect port: resolves with the callback's query. */
function listenForCallback(port) {
  let resolveQuery;
  const query = new Promise((resolve) => {
    resolveQuery = resolve;
  });
  const server = createServer((request, response) => {
    const url = new URL(request.url, `http://127.0.0.1:${port}`);
    if (url.pathname !== '/callback') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' }).end('<p>Signed in. You may close this window.</p>');
    resolveQuery(Object.fromEntries(url.searchParams));
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ query, close: () => new Promise((done) => server.close(done)) }));
  });
}

const op = await step('start Glewlwyd', () => startGlewlwyd({ preGrant: !process.env.CONSENT }));
show('issuer', op.issuer);
show('startGlewlwyd() took (ms)', op.startMs);
let browser;
let failed = false;
try {
  const discovery = await step('discovery', async () => {
    const response = await fetch(op.discoveryUrl);
    expect(response.status === 200, `discovery 200, got ${response.status}`);
    const d = await response.json();
    for (const key of [
      'issuer',
      'authorization_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
      'jwks_uri',
      'device_authorization_endpoint',
      'revocation_endpoint',
      'introspection_endpoint',
      'end_session_endpoint',
    ])
      show(key, d[key] ?? '(absent)');
    show('token_endpoint_auth_methods_supported', d.token_endpoint_auth_methods_supported);
    show('grant_types_supported', d.grant_types_supported);
    show('response_types_supported', d.response_types_supported);
    show('code_challenge_methods_supported', d.code_challenge_methods_supported);
    show('revocation_endpoint_auth_methods_supported', d.revocation_endpoint_auth_methods_supported);
    show('scopes_supported', d.scopes_supported);
    show('has device_authorization_endpoint', Boolean(d.device_authorization_endpoint));
    show('has revocation_endpoint', Boolean(d.revocation_endpoint));
    expect(d.issuer === op.issuer, 'discovery issuer = the URL it was fetched under');
    return d;
  });

  await step('redirect URI matching at /auth (fetch, no browser)', async () => {
    const probe = async (redirectUri) => {
      const url = new URL(discovery.authorization_endpoint);
      for (const [key, value] of Object.entries({
        response_type: 'code',
        client_id: op.publicClientId,
        redirect_uri: redirectUri,
        scope: 'openid',
        state: 's',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }))
        url.searchParams.set(key, value);
      const response = await fetch(url, { redirect: 'manual' });
      const location = response.headers.get('location') ?? '';
      return { status: response.status, location: location.split('?')[0], body: (await response.text()).slice(0, 80) };
    };
    for (const uri of op.redirectUris) {
      const answer = await probe(uri);
      show(`registered ${uri}`, answer);
      expect(answer.status === 302 && answer.location.endsWith('/login.html'), 'a registered URI goes to login.html');
    }
    show('trailing slash added', await probe(`${op.redirectUri}/`));
    show('other path', await probe(op.redirectUri.replace('/callback', '/cb')));
    show('other port', await probe(`http://127.0.0.1:${op.callbackPort + 1}/callback`));
  });

  const serviceToken = await step('client_credentials (client_secret_post)', async () => {
    const form = {
      grant_type: 'client_credentials',
      scope: op.clientCredentialsScope,
      client_id: op.confidentialClientId,
      client_secret: op.clientSecret,
    };
    const plain = await post(discovery.token_endpoint, form);
    expect(plain.status === 200, `200, got ${JSON.stringify(brief(plain))}`);
    show('answer keys', Object.keys(plain.json));
    show('token_type', plain.json.token_type);
    show('access token aud without resource', claims(plain.json.access_token).aud);
    show('access token header', header(plain.json.access_token));

    const withResource = await post(discovery.token_endpoint, { ...form, resource: op.resources[0] });
    expect(withResource.status === 200, `200 with resource, got ${JSON.stringify(brief(withResource))}`);
    show('access token aud with resource', claims(withResource.json.access_token).aud);
    show(
      'unknown resource',
      brief(await post(discovery.token_endpoint, { ...form, resource: 'https://elsewhere.test' })),
    );
    show('scope the client lacks (openid)', brief(await post(discovery.token_endpoint, { ...form, scope: 'openid' })));
    show('wrong secret (post)', brief(await post(discovery.token_endpoint, { ...form, client_secret: 'wrong' })));

    const { client_id, client_secret, ...bare } = form;
    const basic = (id, secret) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });
    show('Basic, raw id:secret', brief(await post(discovery.token_endpoint, bare, basic(client_id, client_secret))));
    // RFC 6749 §2.3.1 form-encodes both before Basic; oauth4webapi also escapes - _ . ! ~ * ' ( )
    const strict = (s) =>
      encodeURIComponent(s).replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    show(
      'Basic, form-encoded (- as %2D)',
      brief(await post(discovery.token_endpoint, bare, basic(strict(client_id), strict(client_secret)))),
    );
    return plain.json.access_token;
  });

  browser = await chromium.launch(chromiumLaunchOptions);

  const codeTokens = await step('authorization code + PKCE S256 (Chromium)', async () => {
    const verifier = b64url(randomBytes(32));
    const challenge = b64url(createHash('sha256').update(verifier).digest());
    const state = b64url(randomBytes(12));
    const nonce = b64url(randomBytes(12));
    const authorize = new URL(discovery.authorization_endpoint);
    for (const [key, value] of Object.entries({
      response_type: 'code',
      client_id: op.publicClientId,
      redirect_uri: op.redirectUri,
      scope: op.scopes.join(' '),
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }))
      authorize.searchParams.set(key, value);

    const callback = await listenForCallback(op.callbackPort);
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const loginStarted = Date.now();
      await page.goto(authorize.href);
      show('login page', page.url().split('?')[0]);
      await signInAsPerson(page, op.username, op.password);
      const query = await Promise.race([
        callback.query,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no callback within 15 s')), 15000)),
      ]);
      show('browser part took (ms)', Date.now() - loginStarted);
      show('callback query keys', Object.keys(query));
      show('callback iss', query.iss ?? '(absent)');
      expect(query.state === state, 'state comes back');
      expect(query.code, `a code, got ${JSON.stringify(query)}`);

      const wrongVerifier = await post(discovery.token_endpoint, {
        grant_type: 'authorization_code',
        code: query.code,
        redirect_uri: op.redirectUri,
        client_id: op.publicClientId,
        code_verifier: b64url(randomBytes(32)),
      });
      show('exchange with a wrong code_verifier', brief(wrongVerifier));
      const exchange = await post(discovery.token_endpoint, {
        grant_type: 'authorization_code',
        code: query.code,
        redirect_uri: op.redirectUri,
        client_id: op.publicClientId,
        code_verifier: verifier,
      });
      expect(exchange.status === 200, `exchange 200, got ${JSON.stringify(brief(exchange))}`);
      show('answer keys', Object.keys(exchange.json));
      show('scope', exchange.json.scope ?? '(absent)');
      expect(exchange.json.scope === op.scopes.join(' '), 'every scope asked for is granted');
      const id = claims(exchange.json.id_token);
      show('id_token claims', id);
      show('id_token signature valid (JWKS, RS256)', await verifySignature(exchange.json.id_token, discovery.jwks_uri));
      expect(id.iss === op.issuer && id.aud === op.publicClientId && id.nonce === nonce, 'id_token iss, aud, nonce');
      show('access token aud', claims(exchange.json.access_token).aud);
      show('access token claims', claims(exchange.json.access_token));
      const replay = await post(discovery.token_endpoint, {
        grant_type: 'authorization_code',
        code: query.code,
        redirect_uri: op.redirectUri,
        client_id: op.publicClientId,
        code_verifier: verifier,
      });
      show('the code replayed', brief(replay));
      const userinfo = await fetch(discovery.userinfo_endpoint, {
        headers: { authorization: `Bearer ${exchange.json.access_token}` },
      });
      show('userinfo', { status: userinfo.status, body: (await userinfo.text()).slice(0, 200) });
      return exchange.json;
    } finally {
      await context.close();
      await callback.close();
    }
  });

  const rotated = await step('refresh with rotation', async () => {
    const refresh = (token, extra = {}) =>
      post(discovery.token_endpoint, {
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: op.publicClientId,
        ...extra,
      });
    const first = await refresh(codeTokens.refresh_token);
    expect(first.status === 200, `refresh 200, got ${JSON.stringify(brief(first))}`);
    show('answer keys', Object.keys(first.json));
    show('id_token in the refresh answer', 'id_token' in first.json);
    show('new refresh token differs', first.json.refresh_token !== codeTokens.refresh_token);
    expect(first.json.refresh_token && first.json.refresh_token !== codeTokens.refresh_token, 'a new refresh token');
    // RFC 8707 at refresh: only a resource named at /auth (stored with the refresh token) may be asked for.
    const withResource = await refresh(first.json.refresh_token, { resource: op.resources[0] });
    show('refresh asking a resource /auth did not name', brief(withResource));
    const second = await refresh(first.json.refresh_token);
    expect(second.status === 200, `second refresh 200, got ${JSON.stringify(brief(second))}`);
    show('access token aud after refresh', claims(second.json.access_token).aud);
    const replay = await refresh(codeTokens.refresh_token);
    show('the first refresh token replayed', brief(replay));
    expect(replay.status >= 400, 'a used refresh token is refused');
    const afterReplay = await refresh(second.json.refresh_token);
    show('the newest refresh token after the replay', brief(afterReplay));
    return afterReplay.status === 200 ? afterReplay.json : undefined;
  });

  const deviceTokens = await step('device authorization (Chromium enters the user code)', async () => {
    // With an RFC 8707 resource, so that this path shows the access token's aud set to it.
    const authorization = await post(discovery.device_authorization_endpoint, {
      client_id: op.publicClientId,
      scope: op.scopes.join(' '),
      resource: op.resources[0],
    });
    expect(authorization.status === 200, `device_authorization 200, got ${JSON.stringify(brief(authorization))}`);
    show('device_authorization answer', { ...authorization.json, device_code: '…' });
    const poll = () =>
      post(discovery.token_endpoint, {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: authorization.json.device_code,
        client_id: op.publicClientId,
      });
    show('poll before the person acts', brief(await poll()));
    show('poll again at once (slow_down?)', brief(await poll()));

    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(authorization.json.verification_uri);
      show('verification page', page.url().split('&')[0]);
      await enterUserCode(page, authorization.json.user_code);
      await signInAsPerson(page, op.username, op.password);
      await page.getByText('Authorization complete').waitFor({ timeout: 15000 });
      show('page after Continue', page.url().replace(/^.*prompt=/, 'prompt='));
    } finally {
      await context.close();
    }
    const deadline = Date.now() + 20000;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, (authorization.json.interval ?? 5) * 1000));
      const answer = await poll();
      if (answer.status === 200) {
        show('tokens: answer keys', Object.keys(answer.json));
        show('access token aud', claims(answer.json.access_token).aud);
        show('polled again after success', brief(await poll()));
        return answer.json;
      }
      show('poll', brief(answer));
      expect(Date.now() < deadline, 'tokens within 20 s');
    }
  });

  await step('revocation', async () => {
    const target = deviceTokens.refresh_token;
    const publicAlone = await post(discovery.revocation_endpoint, {
      token: target,
      token_type_hint: 'refresh_token',
      client_id: op.publicClientId,
    });
    show('public client, client_id alone', brief(publicAlone));
    const bearer = await post(
      discovery.revocation_endpoint,
      { token: target, token_type_hint: 'refresh_token' },
      { authorization: `Bearer ${deviceTokens.access_token}` },
    );
    show('Bearer access token (scope offline_access)', brief(bearer));
    expect(bearer.status === 200, 'revocation with a Bearer token answers 200');
    const afterRevoke = await post(discovery.token_endpoint, {
      grant_type: 'refresh_token',
      refresh_token: target,
      client_id: op.publicClientId,
    });
    show('refresh with the revoked token', brief(afterRevoke));
    expect(afterRevoke.status >= 400, 'a revoked refresh token is refused');

    const service = { client_id: op.confidentialClientId, client_secret: op.clientSecret };
    const introspect = (token) => post(discovery.introspection_endpoint, { token, ...service });
    show('introspect the service token (client_secret_post)', brief(await introspect(serviceToken)));
    const revokeService = await post(discovery.revocation_endpoint, { token: serviceToken, ...service });
    show('confidential client revokes its access token (post)', brief(revokeService));
    show('introspect it again', brief(await introspect(serviceToken)));
    show(
      'unknown token, Bearer',
      brief(
        await post(
          discovery.revocation_endpoint,
          { token: 'nope' },
          { authorization: `Bearer ${deviceTokens.access_token}` },
        ),
      ),
    );
    // With client_secret_post, /revoke does not tie the token to the authenticating client (by Basic it does).
    const foreign = await post(discovery.revocation_endpoint, { token: deviceTokens.access_token, ...service });
    show("confidential client (post) revokes the PUBLIC client's access token", brief(foreign));
    const userinfo = await fetch(discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${deviceTokens.access_token}` },
    });
    show('userinfo with that access token', {
      status: userinfo.status,
      www: userinfo.headers.get('www-authenticate'),
      body: (await userinfo.text()).slice(0, 120),
    });
    if (rotated) show('(the rotated chain survived the replay)', true);
  });
} catch (error) {
  failed = true;
  process.stdout.write(`\nFAILED: ${error.stack ?? error}\n`);
  process.stdout.write(`Glewlwyd's log:\n${op.log()}\n`);
} finally {
  await browser?.close();
  await step('stop', () => op.stop());
}
process.stdout.write(`\ntimings (ms): ${JSON.stringify(timings)}\n${failed ? 'SMOKE FAILED' : 'SMOKE OK'}\n`);
process.exit(failed ? 1 : 0);
