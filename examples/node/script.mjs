// A Node script that signs in with client credentials and reads assets with @cognite/sdk, against the
// local emulator (node examples/node/script.mjs after npm run build).
import { CogniteClient } from '@cognite/sdk';
import { startEmulator } from '../../dist/src/emulator/index.js';
import { loginWithClientCredentials, sessionFor } from '../../dist/src/node.js';

const emulator = await startEmulator();
try {
  const options = {
    issuer: emulator.issuer,
    baseUrl: emulator.baseUrl,
    clientId: emulator.clients.service.id,
    clientSecret: emulator.clients.service.secret,
    scope: 'api:read',
    resource: emulator.baseUrl,
  };
  const signIn = await loginWithClientCredentials(options);
  const session = sessionFor(signIn, options);
  const client = new CogniteClient({
    appId: 'example',
    project: 'demo',
    baseUrl: emulator.baseUrl,
    oidcTokenProvider: session.getToken,
  });
  await client.authenticate();
  const assets = await client.assets.list().autoPagingToArray({ limit: 10 });
  console.log(`signed in as ${signIn.inspection.subject}; assets: ${assets.map((a) => a.name).join(', ')}`);
  session.logout();
} finally {
  await emulator.close();
}
