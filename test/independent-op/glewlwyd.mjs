// An independent OpenID provider for the test stage: Glewlwyd 2.7 from Debian (`apt-get install -y glewlwyd`),
// started as a child process on 127.0.0.1 with a fresh temp dir (config file, sqlite db, a copy of its web UI),
// then configured through its admin REST API. Plain Node ESM: no TypeScript, no npm dependency.
//
// What the Debian package gives and what this file does with it:
// - /usr/bin/glewlwyd: the server (C, ulfius). `-c FILE` reads a libconfig file.
// - /usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz: the whole schema plus the default admin
//   (`admin` / `password`, scope g_admin) and a database user backend and client backend. Fed to
//   the `sqlite3` CLI, which the glewlwyd package depends on.
// - /usr/share/glewlwyd/webapp: the login/consent/device UI (login.html, React). Glewlwyd serves it
//   itself at `/` when the config has `static_files_path`, but its static server does NOT follow
//   symlinks (a symlinked file answers 404) and Debian ships jQuery, Bootstrap, the fonts and even
//   config.json as symlinks (config.json points at /etc/glewlwyd/config-2.7.json, which dpkg made a
//   DIRECTORY holding config.json). So the UI is copied into the temp dir with symlinks resolved,
//   and config.json is copied from that directory.
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const BINARY = '/usr/bin/glewlwyd';
const SCHEMA = '/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz';
const WEBAPP = '/usr/share/glewlwyd/webapp';
const WEBAPP_CONFIG = '/etc/glewlwyd/config-2.7.json/config.json';
const MODULES = '/usr/lib/glewlwyd';
const SQLITE3 = '/usr/bin/sqlite3';
const INSTALL = 'install it with `apt-get update && apt-get install -y glewlwyd`';

/** The plugin instance's name: every OIDC endpoint is under `/api/<name>/`. */
const PLUGIN = 'oidc';
const ADMIN = { username: 'admin', password: 'password' };

/** The scopes the OP knows (besides the built-in g_admin, g_profile and openid). */
const SCOPES = ['openid', 'profile', 'offline_access', 'user_impersonation'];
/** The RFC 8707 resource that `user_impersonation` (and each client) may ask for. */
const DEFAULT_RESOURCE = 'https://cdf.glewlwyd.test';

/** Fails naming what is missing from this machine. */
function requireInstalled() {
  const missing = [
    [BINARY, 'the glewlwyd binary'],
    [SCHEMA, "glewlwyd's sqlite schema"],
    [WEBAPP, "glewlwyd's web UI (package glewlwyd-common)"],
    [join(MODULES, 'plugin', 'libprotocol_oidc.so'), "glewlwyd's OIDC plugin"],
    [SQLITE3, 'the sqlite3 CLI (package sqlite3)'],
  ].filter(([path]) => !existsSync(path));
  if (missing.length > 0) {
    const what = missing.map(([path, name]) => `${name} (${path})`).join(', ');
    throw new Error(`Glewlwyd is not installed: missing ${what}; ${INSTALL}`);
  }
}

/** A port nothing listens on now (the OS picks it). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The libconfig file. `use_secure_connection` is left out on purpose: `false` still wants key paths. */
function configFile({ port, dir }) {
  const mime = [
    ['.html', 'text/html'],
    ['.css', 'text/css'],
    ['.js', 'application/javascript'],
    ['.json', 'application/json'],
    ['.png', 'image/png'],
    ['.ico', 'image/x-icon'],
    ['.svg', 'image/svg+xml'],
    ['.ttf', 'font/ttf'],
    ['.woff', 'font/woff'],
    ['.woff2', 'font/woff2'],
    ['.eot', 'application/vnd.ms-fontobject'],
    ['.map', 'application/octet-stream'],
  ];
  return `port=${port}
bind_address="127.0.0.1"
external_url="http://127.0.0.1:${port}"
login_url="login.html"
api_prefix="api"
static_files_path="${join(dir, 'webapp')}/"
allow_origin="*"
log_mode="console"
log_level="WARNING"
cookie_secure=0
session_key="GLEWLWYD2_SESSION_ID"
session_expiration=3600
admin_scope="g_admin"
profile_scope="g_profile"
admin_session_authentication="cookie"
allow_multiple_user_per_session=true
add_x_frame_option_header_deny=true
user_module_path="${MODULES}/user"
client_module_path="${MODULES}/client"
user_auth_scheme_module_path="${MODULES}/scheme"
plugin_module_path="${MODULES}/plugin"
hash_algorithm="SHA512"
database = { type = "sqlite3" path = "${join(dir, 'glewlwyd.db')}" };
static_files_mime_types = (
${mime.map(([extension, type]) => `  { extension = "${extension}" mime_type = "${type}" }`).join(',\n')}
);
`;
}

/** The temp dir: config, sqlite db initialised from Debian's schema, and the web UI copied flat. */
function prepareDir(port) {
  const dir = mkdtempSync(join(tmpdir(), 'glewlwyd-'));
  const sql = gunzipSync(readFileSync(SCHEMA));
  const init = spawnSync(SQLITE3, [join(dir, 'glewlwyd.db')], { input: sql });
  if (init.status !== 0) throw new Error(`sqlite3 could not load ${SCHEMA}: ${init.stderr}`);
  // dereference: Glewlwyd's static file server answers 404 for symlinks; config.json is left out
  // (it links to a directory) and written below.
  cpSync(WEBAPP, join(dir, 'webapp'), {
    recursive: true,
    dereference: true,
    filter: (source) => source !== join(WEBAPP, 'config.json'),
  });
  const uiConfig = existsSync(WEBAPP_CONFIG) ? readFileSync(WEBAPP_CONFIG) : fallbackUiConfig();
  writeFileSync(join(dir, 'webapp', 'config.json'), uiConfig);
  writeFileSync(join(dir, 'glewlwyd.conf'), configFile({ port, dir }));
  return dir;
}

/** What login.html needs of config.json when /etc/glewlwyd has none (the UI reads the rest from the API). */
function fallbackUiConfig() {
  const path = join(WEBAPP, 'config.json');
  if (existsSync(path) && statSync(path).isFile()) return readFileSync(path);
  return JSON.stringify({
    GlewlwydUrl: './',
    ProfileUrl: 'profile.html',
    AdminUrl: 'index.html',
    LoginUrl: 'login.html',
    CallbackPage: 'callback.html',
    PasswordMinLength: 8,
    lang: ['en'],
    defaultScheme: null,
    sessionSchemes: [],
    pattern: { user: [], client: [] },
  });
}

/** Waits until `GET /config` (Glewlwyd's own server configuration) answers 200. */
async function waitUntilUp(base, child, log, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`glewlwyd exited with ${child.exitCode} before answering:\n${log()}`);
    try {
      const response = await fetch(`${base}/config`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`glewlwyd did not answer ${base}/config within ${timeoutMs} ms:\n${log()}`);
}

/** A session cookie for `username` (POST /api/auth/: Glewlwyd's password login, sets GLEWLWYD2_SESSION_ID). */
async function logIn(base, username, password) {
  const response = await fetch(`${base}/api/auth/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`POST /api/auth/ as ${username}: HTTP ${response.status} ${await response.text()}`);
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .find((pair) => pair.startsWith('GLEWLWYD2_SESSION_ID='));
  if (!cookie) throw new Error(`POST /api/auth/ as ${username} set no GLEWLWYD2_SESSION_ID cookie`);
  return cookie;
}

/** A JSON call to the admin/profile API with a session cookie; throws with the body on a non-2xx. */
function api(base, cookie) {
  return async (method, path, body) => {
    const response = await fetch(`${base}/api${path}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /api${path}: HTTP ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** An RSA key as the private JWKS the OIDC plugin signs with (RS256; `jwks-private` needs `kid` and `alg`). */
function signingKeys() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `glewlwyd-test-${randomUUID().slice(0, 8)}`;
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return { kid, jwks: JSON.stringify({ keys: [jwk] }) };
}

/**
 * POST /api/mod/plugin/: the OIDC plugin instance. Each parameter, and why:
 * - iss: the issuer, `<base>/api/oidc`, so that discovery is at `<iss>/.well-known/openid-configuration`
 *   (the plugin serves it there) and the discovery's `issuer` equals the URL it was fetched from.
 * - jwks-private/default-kid/jwks-show: RS256 with a key made here; `jwt-type: sha` (HS256 with a
 *   shared secret, what Glewlwyd's own tests use) would give ID tokens a relying party can't check.
 * - auth-type-*: code (+ id_token, always on), client credentials, device, refresh; no implicit, no password.
 * - allow-non-oidc: client_credentials and scope-less-of-openid requests are "OAuth2, not OIDC"; without
 *   it they are refused.
 * - pkce-allowed (S256 only); PKCE not required so that a confidential client without it still works.
 * - refresh-token-one-use "always": rotation, each refresh answers a new refresh token and disables the
 *   old one (a replayed one disables the chain). refresh-token-rolling: the chain's lifetime restarts.
 * - introspection-revocation-allowed: /revoke and /introspect exist (and are in discovery).
 *   allow-target-client: a confidential client may call them with its own credentials.
 *   auth-scope offline_access: a Bearer access token with that scope may call them too; this is the
 *   only way a PUBLIC client can revoke (with client_id alone Glewlwyd answers an empty 401).
 * - device-authorization-*: RFC 8628, 600 s codes, polling interval 1 s (default 5).
 * - resource-allowed + resource-scope: RFC 8707; `user_impersonation` may ask for `resources`, and so may
 *   each client through its `resource` property (OR). Without `resource`, the access token's `aud` is the
 *   granted scope list as one string.
 * - oauth-as-iss-id: RFC 9207, the redirect to the client carries `iss` (discovery does not announce
 *   authorization_response_iss_parameter_supported, though). Off with `{ issInCallback: false }`.
 * - allowed-scope: what discovery lists as scopes_supported (it has no effect on what may be asked).
 * - name-claim/email-claim mandatory: the ID token and userinfo carry `name` and `email`.
 */
function oidcPlugin({ issuer, resources, issInCallback }) {
  const { kid, jwks } = signingKeys();
  return {
    module: 'oidc',
    name: PLUGIN,
    display_name: 'OpenID Connect (test)',
    enabled: true,
    parameters: {
      iss: issuer,
      'jwks-private': jwks,
      'default-kid': kid,
      'jwks-show': true,
      'jwt-type': 'rsa',
      'jwt-key-size': '256',
      'subject-type': 'public',
      'access-token-duration': 3600,
      'refresh-token-duration': 1209600,
      'code-duration': 600,
      'refresh-token-rolling': true,
      'refresh-token-one-use': 'always',
      'allow-non-oidc': true,
      'auth-type-code-enabled': true,
      'auth-type-code-revoke-replayed': false,
      'auth-type-token-enabled': false,
      'auth-type-id-token-enabled': true,
      'auth-type-none-enabled': false,
      'auth-type-password-enabled': false,
      'auth-type-client-enabled': true,
      'auth-type-device-enabled': true,
      'auth-type-refresh-enabled': true,
      'pkce-allowed': true,
      'pkce-method-plain-allowed': false,
      'pkce-required': false,
      'introspection-revocation-allowed': true,
      'introspection-revocation-allow-target-client': true,
      'introspection-revocation-auth-scope': ['offline_access'],
      'device-authorization-expiration': 600,
      'device-authorization-interval': 1,
      'resource-allowed': true,
      'resource-client-property': 'resource',
      'resource-scope': { user_impersonation: resources },
      'resource-scope-and-client-property': false,
      'oauth-as-iss-id': issInCallback,
      'allowed-scope': SCOPES,
      'name-claim': 'mandatory',
      'email-claim': 'mandatory',
      'request-parameter-allow': false,
      'session-management-allowed': false,
      'register-client-allowed': false,
    },
  };
}

/**
 * Starts Glewlwyd on 127.0.0.1 and registers what the tests sign in with.
 *
 * @param {object} [options]
 * @param {number} [options.port] Glewlwyd's port (a free one when left out).
 * @param {number} [options.callbackPort] The port of the public client's loopback redirect URIs.
 * @param {string[]} [options.resources] RFC 8707 resources `user_impersonation` and the clients may ask for.
 * @param {boolean} [options.preGrant] Consent given ahead by the person (PUT /api/auth/grant/), so the
 *   browser sign-in is the login form alone, with no consent page. Default true.
 * @param {boolean} [options.issInCallback] RFC 9207 `iss` on the redirect back to the client. Default true.
 */
export async function startGlewlwyd({
  port,
  callbackPort,
  resources = [DEFAULT_RESOURCE],
  preGrant = true,
  issInCallback = true,
} = {}) {
  requireInstalled();
  const started = Date.now();
  const glewlwydPort = port ?? (await freePort());
  const loopbackPort = callbackPort ?? (await freePort());
  const base = `http://127.0.0.1:${glewlwydPort}`;
  const issuer = `${base}/api/${PLUGIN}`;
  const dir = prepareDir(glewlwydPort);

  let output = '';
  const child = spawn(BINARY, ['-c', join(dir, 'glewlwyd.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk) => {
    output = (output + chunk).slice(-20000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // A test process that dies without stop() must not leave Glewlwyd running or its temp dir behind.
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const stop = async () => {
    process.removeListener('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilUp(base, child, () => output);
    const registered = await configure({ base, issuer, loopbackPort, resources, preGrant, issInCallback });
    return {
      issuer,
      discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      baseUrl: base,
      loginUrl: `${base}/login.html`,
      ...registered,
      resources,
      dir,
      startMs: Date.now() - started,
      log: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The admin API calls, in order; each says why it is needed. */
async function configure({ base, issuer, loopbackPort, resources, preGrant, issInCallback }) {
  // The default admin of init.sqlite3.sql; the cookie carries scope g_admin, which every /api/mod,
  // /api/user, /api/client and /api/scope call needs.
  const admin = api(base, await logIn(base, ADMIN.username, ADMIN.password));

  // POST /api/scope/ for each scope the clients ask for that the schema lacks (it has g_admin, g_profile
  // and openid). A scope unknown to Glewlwyd is dropped from the grant. password_required: the login form
  // asks the person's password for it (with no scheme, the password is the whole authentication).
  for (const name of SCOPES.filter((scope) => scope !== 'openid')) {
    await admin('POST', '/scope/', {
      name,
      display_name: name,
      description: `${name} (test)`,
      password_required: true,
      password_max_age: 0,
      scheme: {},
    });
  }

  // POST /api/mod/plugin/: the OIDC plugin instance (see oidcPlugin). It is live at once: its endpoints
  // are added under /api/oidc/ when the instance is created, no restart needed.
  await admin('POST', '/mod/plugin/', oidcPlugin({ issuer, resources, issInCallback }));

  // POST /api/user/: the person, in the database user backend. A user may only be given the scopes listed
  // in its `scope`; g_profile lets it call /api/auth/grant (consent given ahead, below).
  const username = 'alice-person';
  const password = 'correct-horse-battery-staple';
  await admin('POST', '/user/', {
    username,
    password,
    name: 'Alice Person',
    email: 'alice@glewlwyd.test',
    enabled: true,
    scope: ['g_profile', ...SCOPES],
  });

  const { publicClientId, confidentialClientId, clientSecret, redirectUri, redirectUris } = await registerClients(
    admin,
    { loopbackPort, resources },
  );

  // PUT /api/auth/grant/<client_id> as the person: the consent, given ahead. The scope list is
  // SPACE-separated (API.md says comma; a comma list matches none of the user's scopes: empty 401).
  // Without it, Glewlwyd's login page shows a consent step after the password (it has no deny button).
  if (preGrant) {
    const person = api(base, await logIn(base, username, password));
    await person('PUT', `/auth/grant/${encodeURIComponent(publicClientId)}`, { scope: SCOPES.join(' ') });
  }

  return {
    publicClientId,
    confidentialClientId,
    clientSecret,
    username,
    password,
    redirectUri,
    redirectUris,
    callbackPort: loopbackPort,
    scopes: [...SCOPES],
    clientCredentialsScope: 'user_impersonation',
  };
}

/** The two clients (POST /api/client/ each). */
async function registerClients(admin, { loopbackPort, resources }) {
  // POST /api/client/: the PUBLIC client (confidential false: no secret, token_endpoint_auth_method none).
  // redirect_uri is compared as an exact string, so both loopback spellings are registered.
  // authorization_type lists the grants it may use: code, device_authorization, refresh_token.
  const publicClientId = 'cdf-authflow-public';
  const redirectUri = `http://127.0.0.1:${loopbackPort}/callback`;
  const redirectUris = [`http://localhost:${loopbackPort}/callback`, redirectUri];
  await admin('POST', '/client/', {
    client_id: publicClientId,
    name: 'cdf-authflow public client',
    confidential: false,
    enabled: true,
    redirect_uri: redirectUris,
    authorization_type: ['code', 'device_authorization', 'refresh_token'],
    token_endpoint_auth_method: ['none'],
    resource: resources,
    scope: [],
  });

  // POST /api/client/: the CONFIDENTIAL client, for client_credentials. Its own `scope` is what a
  // client_credentials token may carry (the client acts for itself, no person grants it).
  // token_endpoint_auth_method lists both. Glewlwyd takes HTTP Basic credentials verbatim, not
  // form-decoded: sent raw they work, sent form-encoded as RFC 6749 §2.3.1 says (oauth4webapi also
  // escapes `-` as %2D) an id or secret with a `-` fails (empty 403); client_secret_post works.
  const confidentialClientId = 'cdf-authflow-service';
  const clientSecret = 'service-secret-for-tests';
  await admin('POST', '/client/', {
    client_id: confidentialClientId,
    name: 'cdf-authflow confidential client',
    confidential: true,
    enabled: true,
    client_secret: clientSecret,
    redirect_uri: [],
    authorization_type: ['client_credentials'],
    token_endpoint_auth_method: ['client_secret_basic', 'client_secret_post'],
    resource: resources,
    scope: ['user_impersonation'],
  });

  return { publicClientId, confidentialClientId, clientSecret, redirectUri, redirectUris };
}

// ---------------------------------------------------------------------------------------------------
// The person at Glewlwyd's web UI (login.html, served by the same process), driven by a playwright-core
// Page. The UI is a React app: every step is a re-render of the same page, not a new document.

/** The login form (first visit in a browser context). */
const LOGIN = { username: '#username', password: '#password', submit: '#loginbut' };
/** The consent step (only when the grant was not given ahead): one checkbox per scope, `openid` fixed. */
const CONSENT = { box: 'input.form-check-input[id^="grant-"]', submit: 'button.btn-primary:has-text("Grant access")' };
/** After login (and consent): "Continue to client application" sends the browser back to /auth or /device. */
const CONTINUE = 'button[title="Continue to client application"]';
/**
 * What the card body says once the UI knows the grant (English UI: Chromium asks for en-US). Continue is
 * in the footer from the start, and for ~100 ms after login the card shows the "granted" text even when
 * consent is still to be given: which step it is comes from the grant itself (see grantComplete).
 */
const READY = { granted: 'text=What do you wish for?', consent: 'text=Client access grant' };

/** The device page (`verification_uri` redirects to login.html?prompt=device): one text input, one OK. */
const DEVICE = { code: 'input[placeholder="X1Y2-A3B4"]', submit: 'button.btn-primary:has-text("OK"):not(#loginbut)' };

/**
 * Signs the person in on the page Glewlwyd's `/auth` or `/device` sent the browser to, gives consent when
 * asked (every scope box checked: the page has no deny button), and presses Continue. Returns once
 * Continue is clicked; the caller waits for where that leads (the redirect URI, or "Authorization
 * complete" for a device code).
 */
export async function signInAsPerson(page, username, password, { timeoutMs = 15000 } = {}) {
  const granted = page.locator(READY.granted);
  const consent = page.locator(READY.consent);
  const login = page.locator(LOGIN.username);
  await login.or(granted).or(consent).first().waitFor({ state: 'visible', timeout: timeoutMs });
  if (await login.isVisible()) {
    await page.fill(LOGIN.username, username);
    await page.fill(LOGIN.password, password);
    await page.click(LOGIN.submit);
    await granted.or(consent).first().waitFor({ state: 'visible', timeout: timeoutMs });
  }
  if (!(await grantComplete(page))) {
    await consent.waitFor({ state: 'visible', timeout: timeoutMs });
    await giveConsent(page, timeoutMs);
    // Continue before the PUT of the grant lands would still get a code, for the granted subset only.
    const deadline = Date.now() + timeoutMs;
    while (!(await grantComplete(page))) {
      if (Date.now() > deadline) throw new Error('the consent was given but the grant is still incomplete');
      await page.waitForTimeout(100);
    }
  }
  await granted.waitFor({ state: 'visible', timeout: timeoutMs });
  await page.click(CONTINUE);
}

/**
 * Whether the person has granted every scope the client asks for: the same
 * GET /api/auth/grant/<client_id>/<scope list> the UI makes, from inside the page (its session cookie).
 * login.html has client_id and scope in its query for /auth and, once the code is typed, for /device.
 */
async function grantComplete(page) {
  return page.evaluate(async () => {
    const query = new URLSearchParams(window.location.search);
    const client = query.get('client_id');
    const scope = query.get('scope');
    if (!client || !scope) throw new Error(`login.html without client_id and scope: ${window.location.href}`);
    const response = await fetch(`api/auth/grant/${encodeURIComponent(client)}/${encodeURIComponent(scope)}`);
    if (!response.ok) throw new Error(`GET api/auth/grant: HTTP ${response.status}`);
    return (await response.json()).scope.every((entry) => entry.granted);
  });
}

/**
 * Checks every scope box and presses "Grant access". The boxes render before the UI has loaded the
 * person's current grant, and that load re-renders them unchecked: check, let it settle, check again,
 * until every box stays checked.
 */
async function giveConsent(page, timeoutMs) {
  const boxes = page.locator(`${CONSENT.box}:not([disabled])`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const box of await boxes.all()) if (!(await box.isChecked())) await box.check();
    await page.waitForTimeout(250);
    const states = await Promise.all((await boxes.all()).map((box) => box.isChecked()));
    if (states.every(Boolean)) break;
    if (Date.now() > deadline) throw new Error('the consent boxes do not stay checked');
  }
  await page.click(CONSENT.submit);
}

/** Types the user code on the page `verification_uri` led to and submits it (the device flow's first step). */
export async function enterUserCode(page, userCode, { timeoutMs = 15000 } = {}) {
  await page.locator(DEVICE.code).waitFor({ state: 'visible', timeout: timeoutMs });
  await page.fill(DEVICE.code, userCode);
  await page.click(DEVICE.submit);
}
