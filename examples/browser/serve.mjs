// npm run example:browser: the local emulator (CDF + IdP) and this page, with the browser bundle and a
// config.js for the emulator, on 127.0.0.1 (PORT=... for a fixed port). Ctrl-C stops both.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from 'cdf-authflow/emulator';

const here = path.dirname(fileURLToPath(import.meta.url));
const bundle = fileURLToPath(
  import.meta.resolve('cdf-authflow/browser').replace(/src\/browser\.js$/, 'browser/cdf-authflow.js'),
);
let config = '';
const server = http.createServer(async (req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
  const files = {
    '/': ['text/html', () => readFile(path.join(here, 'index.html'))],
    '/cdf-authflow.js': ['text/javascript', () => readFile(bundle)],
    '/config.js': ['text/javascript', async () => config],
  };
  const file = Object.hasOwn(files, pathname) ? files[pathname] : undefined;
  if (!file) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': file[0], 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });
  res.end(await file[1]());
});
await new Promise((resolve) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve));
const page = `http://127.0.0.1:${server.address().port}/`;
const emulator = await startEmulator({ spaRedirectUris: [page] });
config = `export default ${JSON.stringify({ baseUrl: emulator.baseUrl, issuer: emulator.issuer, clientId: emulator.clients.spa, project: 'demo' })};`;
console.log(`${page}  (the emulator's IdP signs you in as alice)`);
process.once('SIGINT', async () => {
  server.closeAllConnections();
  server.close();
  await emulator.close();
  process.exit(0);
});
