// npm run example:react: the local emulator (CDF + IdP) and Vite serving this example on 127.0.0.1:5173
// (PORT=... for another), registered as the emulator's SPA redirect URI. Ctrl-C stops both.
import path from 'node:path';
import { startEmulator } from 'cdf-authflow/emulator';
import { createServer } from 'vite';

const port = Number(process.env.PORT ?? 5173);
const page = `http://127.0.0.1:${port}/`;
const emulator = await startEmulator({ spaRedirectUris: [page] });
process.env.VITE_CDF_CONFIG = JSON.stringify({
  baseUrl: emulator.baseUrl,
  issuer: emulator.issuer,
  clientId: emulator.clients.spa,
  project: 'demo',
});
const vite = await createServer({ configFile: path.join(import.meta.dirname, 'vite.config.mjs') });
await vite.listen();
console.log(`${page}  (the emulator's IdP signs you in as alice)`);
process.once('SIGINT', async () => {
  await vite.close();
  await emulator.close();
  process.exit(0);
});
