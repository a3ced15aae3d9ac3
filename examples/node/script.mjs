// A Node script as a CDF service would be written against Entra ID: the entra() preset, client
// credentials, a CDF session over them and @cognite/sdk reading assets. It runs against the emulator's
// entra profile (npm run example:node); for a real tenant, drop the emulator and pass your tenant,
// cluster, client id and secret. It imports the package by name, as an app does.
import { CogniteClient } from '@cognite/sdk';
import { createCdfSession, entra } from 'cdf-authflow';
import { startEmulator } from 'cdf-authflow/emulator';
import { loginWithClientCredentials } from 'cdf-authflow/node';

const emulator = await startEmulator({ profile: 'entra' });
try {
  const options = {
    // For a real tenant: entra({ tenant: 'contoso.onmicrosoft.com', cluster: 'westeurope-1' }).
    idp: entra({ tenant: emulator.tenantId, baseUrl: emulator.baseUrl, authority: emulator.idpOrigin }),
    baseUrl: emulator.baseUrl,
    clientId: emulator.clients.service.id,
    clientSecret: emulator.clients.service.secret,
    project: 'demo',
  };
  const signIn = await loginWithClientCredentials(options);
  const session = createCdfSession(signIn, options);
  const client = new CogniteClient({
    appId: 'example',
    project: 'demo',
    baseUrl: emulator.baseUrl,
    oidcTokenProvider: () => session.getToken(),
  });
  await client.authenticate();
  const assets = await client.assets.list().autoPagingToArray({ limit: 10 });
  const projects = await session.request('GET', 'api/v1/projects');
  console.log(`signed in as ${signIn.inspection.subject}; assets: ${assets.map((a) => a.name).join(', ')}`);
  console.log(`projects: ${projects.body.items.map((p) => p.urlName).join(', ')}`);
  await session.logout();
} finally {
  await emulator.close();
}
