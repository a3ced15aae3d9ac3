// npm run example:server: an Express app that signs people in server-side with cdf-authflow/server
// (backend for frontend): the browser holds an HttpOnly cookie and never a token; the app calls CDF for
// it with @cognite/sdk (getToken per request) and through the proxy route. Against the local emulator by
// default; with REDIS_URL and SESSION_KEYS set, sessions live in Redis, so that several instances can
// run behind one load balancer. PORT=... for a fixed port. Ctrl-C stops it.
import { CogniteClient } from '@cognite/sdk';
import { startEmulator } from 'cdf-authflow/emulator';
import { connectRedis, createRedisServerStores, createServerAuth } from 'cdf-authflow/server';
import express from 'express';

const port = Number(process.env.PORT ?? 3000);
const origin = `http://127.0.0.1:${port}`;
// For a real tenant: drop the emulator, and take issuer, client id and secret from your app registration.
const emulator = await startEmulator({ webRedirectUris: [`${origin}/auth/callback`] });
const redis = process.env.REDIS_URL ? await connectRedis(process.env.REDIS_URL) : null;
const auth = createServerAuth({
  origin,
  baseUrl: emulator.baseUrl,
  project: 'demo',
  issuer: emulator.issuer,
  clientId: emulator.clients.web.id,
  clientSecret: emulator.clients.web.secret,
  proxyPath: '/cdf',
  ...(redis
    ? { stores: createRedisServerStores({ redis, encryptionKeys: (process.env.SESSION_KEYS ?? '').split(',') }) }
    : {}),
});

const app = express();
app.use(auth.handle);
// A server-side CDF call for the signed-in person: one CogniteClient per request, on the session's token.
app.get('/api/assets', async (req, res) => {
  // Without a session, say so (401) before the SDK wraps the error in its own.
  const signedIn = await auth.getToken(req).then(
    () => true,
    () => false,
  );
  if (!signedIn) return res.status(401).json({ error: 'notLoggedIn', message: 'Sign in first: /auth/login' });
  try {
    const client = new CogniteClient({
      appId: 'server-example',
      project: 'demo',
      baseUrl: emulator.baseUrl,
      oidcTokenProvider: () => auth.getToken(req),
    });
    await client.authenticate();
    const assets = await client.assets.list().autoPagingToArray({ limit: 10 });
    res.json({ assets: assets.map((asset) => asset.name) });
  } catch (error) {
    res.status(502).json({ error: error?.code ?? 'failed' });
  }
});
app.get('/', (_req, res) => {
  res.type('html').send(PAGE);
});
const server = app.listen(port, '127.0.0.1', () => {
  console.log(`${origin}/  (the emulator's IdP signs you in as alice; sessions in ${redis ? 'Redis' : 'memory'})`);
});
process.once('SIGINT', async () => {
  server.closeAllConnections();
  server.close();
  await redis?.close();
  await emulator.close();
  process.exit(0);
});

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cdf-authflow/server example</title></head>
<body>
<h1>A web backend signs you in to CDF</h1>
<p>Session: <span id="state">loading</span> <span id="user"></span></p>
<p><a id="signin" href="/auth/login?returnTo=/">Sign in</a>
<button id="signout" disabled>Sign out</button></p>
<p>Assets (read server-side with @cognite/sdk): <span id="assets"></span></p>
<p>Assets (read through the proxy): <span id="proxied"></span></p>
<script type="module">
const session = await (await fetch('/auth/session')).json();
document.querySelector('#state').textContent = session.status;
if (session.status === 'signedIn') {
  document.querySelector('#user').textContent = 'as ' + session.user.subject + ' in ' + session.project;
  const assets = await (await fetch('/api/assets')).json();
  document.querySelector('#assets').textContent = assets.assets.join(', ');
  const proxied = await (await fetch('/cdf/api/v1/projects/demo/assets')).json();
  document.querySelector('#proxied').textContent = proxied.items.map((a) => a.name).join(', ');
  const out = document.querySelector('#signout');
  out.disabled = false;
  out.onclick = async () => {
    await fetch('/auth/logout', { method: 'POST', headers: { 'x-csrf-token': session.csrfToken } });
    location.reload();
  };
}
</script>
</body></html>`;
