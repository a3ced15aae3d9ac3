/**
 * The CLI as a CDF developer uses it against Entra ID: `cdf-auth emulator --profile entra` runs in its own
 * process; `cdf-auth login` signs in with each flow from flags or from the variables a CDF project keeps in
 * its `.env`; `status` and `api` work on the cached login; profiles save the settings without the secret;
 * and the misconfiguration Entra punishes (no cluster scope) ends in a message that says what to pass.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { OidcFlowName } from '../../src/config/settings.js';
import { answerDeviceCode } from '../../src/emulator/device.js';
import { createFileTokenStore } from '../../src/stores/file-token-store.js';
import { CLI_BIN, runCli } from '../helpers/cli.js';
import { eachFreshHome } from '../helpers/lifecycle.js';

const bin = CLI_BIN;

interface Printed {
  profile: string;
  baseUrl: string;
  issuer: string;
  idpOrigin: string;
  tenantId: string;
  clients: { cli: string; spa: string; service: { id: string; secret: string } };
  try: string[];
}

let emulatorProcess: ChildProcess;
let printed: Printed;
beforeAll(async () => {
  emulatorProcess = spawn(process.execPath, [bin, 'emulator', '--profile', 'entra', '--seed', 'cli-entra', '--json'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines = createInterface({ input: emulatorProcess.stdout! });
  printed = await new Promise<Printed>((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line) as Printed));
    emulatorProcess.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
  });
});
afterAll(() => {
  emulatorProcess.kill('SIGINT');
});

let home = '';
eachFreshHome('cdf-auth-entra-', (dir) => {
  home = dir;
});
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(home, args, { CDF_AUTHFLOW_HOME: home, ...env });

/** The variables a CDF project's .env has for a service principal, pointed at the emulator. */
const serviceEnv = () => ({
  CDF_URL: printed.baseUrl,
  CDF_PROJECT: 'demo',
  IDP_CLIENT_ID: printed.clients.service.id,
  IDP_CLIENT_SECRET: printed.clients.service.secret,
  IDP_TOKEN_URL: `${printed.idpOrigin}/${printed.tenantId}/oauth2/v2.0/token`,
});
const entraFlags = () => ['--provider', 'entra', '--authority', printed.idpOrigin, '--tenant', printed.tenantId];
/** `cdf-auth login` of a person with the emulator's public CLI client, by `flow`. */
const personLogin = (flow: OidcFlowName) => [
  'login',
  '--base-url',
  printed.baseUrl,
  ...entraFlags(),
  '--client-id',
  printed.clients.cli,
  '--flow',
  flow,
];

describe('cdf-auth emulator --profile entra --json', () => {
  it('prints the tenant, every client with its secret, and commands that use them', () => {
    expect(printed.profile).toBe('entra');
    expect(printed.issuer).toBe(`${printed.idpOrigin}/${printed.tenantId}/v2.0`);
    expect(printed.clients.service.secret).toMatch(/^cs-/);
    expect(printed.try.some((line) => line.includes(`--tenant ${printed.tenantId}`))).toBe(true);
  });

  it('--seed makes the tenant id and the secrets the same on every start', async () => {
    const again = spawn(process.execPath, [bin, 'emulator', '--profile', 'entra', '--seed', 'cli-entra', '--json'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: again.stdout! }).once('line', resolve),
    );
    again.kill('SIGINT');
    const second = JSON.parse(line) as Printed;
    expect(second.tenantId).toBe(printed.tenantId);
    expect(second.clients.service.secret).toBe(printed.clients.service.secret);
  });
});

describe('cdf-auth login against Entra ID', () => {
  it('only the .env variables: a client secret means client credentials; status and api work on the result', async () => {
    const login = await cli(['login', '--json'], serviceEnv());
    expect(login.err).toBe('');
    expect(login.code).toBe(0);
    const status = await cli(['status', '--json'], serviceEnv());
    expect(status.code).toBe(0);
    const verified = JSON.parse(status.out);
    expect(verified).toMatchObject({ loggedIn: true, flow: 'client-credentials', user: 'service' });
    expect(verified.issuer).toBe(`${printed.idpOrigin}/${printed.tenantId}/v2.0`);
    expect(verified.scopes).toEqual([`${printed.baseUrl}/.default`]);
    expect(verified.projects).toContainEqual({ project: 'demo', groups: expect.any(Number), capabilities: 2 });
    const assets = await cli(['api', '/api/v1/projects/{project}/assets'], serviceEnv());
    expect(assets.code).toBe(0);
    expect(JSON.parse(assets.out).items[0]).toMatchObject({ externalId: 'pump-1' });
    expect(assets.out).not.toContain(printed.clients.service.secret);
  });

  it('the same from an --env-file, with --verbose saying where each setting came from (never the secret)', async () => {
    const file = path.join(home, '.env');
    await writeFile(
      file,
      Object.entries(serviceEnv())
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    const login = await cli(['login', '--env-file', file, '--verbose']);
    expect(login.code).toBe(0);
    expect(login.err).toContain('clientId: service (from IDP_CLIENT_ID)');
    expect(login.err).toContain(`tenant: ${printed.tenantId} (from IDP_TOKEN_URL)`);
    expect(login.err).toContain('clientSecretEnv: IDP_CLIENT_SECRET');
    expect(login.err).not.toContain(printed.clients.service.secret);
  });

  it('flags beat the environment: --project names another project than CDF_PROJECT', async () => {
    const login = await cli(['login', '--project', 'other', '--verbose'], serviceEnv());
    expect(login.code).toBe(0);
    expect(login.err).toContain('project: other (from --project)');
  });

  it('code + PKCE with --provider entra --tenant: a person signs in; token and api use the login', async () => {
    const login = await cli([...personLogin('authorization-code'), '--project', 'demo', '--headless']);
    expect(login.code).toBe(0);
    expect((await cli(['token'])).out).toMatch(/^ey/);
    expect((await cli(['token', '--header'])).out).toMatch(/^Authorization: Bearer ey/);
    const projects = await cli(['api', '/api/v1/projects']);
    expect(JSON.parse(projects.out).items).toContainEqual({ urlName: 'demo' });
  });

  it('device code: the CLI shows the verification page and code (no complete URI at Entra); approved, it signs in', async () => {
    let shown = '';
    let answered: Promise<void> | undefined;
    const code = await main(personLogin('device-code'), {
      out: () => {},
      err: (text) => {
        shown += text;
        const match = /open (\S+) and enter the code (\S+)/.exec(shown);
        if (match?.[1] && match[2] && !answered) answered = answerDeviceCode(match[1], true, match[2]);
      },
      env: { CDF_AUTHFLOW_HOME: home },
      store: createFileTokenStore(home),
    });
    await answered;
    expect(code).toBe(0);
    expect(shown).toContain(`open ${printed.idpOrigin}/devicelogin and enter the code`);
    expect(shown).not.toContain('(or open');
    expect(JSON.parse((await cli(['logins', '--json'])).out)[0]).toMatchObject({ kind: 'device-code' });
  });

  it('the wrong scope fails as at Entra: exit 3, and the message names the cluster scope to ask for', async () => {
    const login = await cli([
      ...personLogin('authorization-code'),
      '--headless',
      '--scope',
      'openid profile offline_access',
    ]);
    expect(login.code).toBe(3);
    expect(login.err).toContain(`scope "${printed.baseUrl}/.default"`);
  });
});

describe('profiles', () => {
  it('login --profile saves the settings without the secret; --profile then names the login everywhere', async () => {
    expect((await cli(['login', '--profile', 'prod'], serviceEnv())).code).toBe(0);
    const saved = await readFile(path.join(home, 'profiles.json'), 'utf8');
    expect(saved).not.toContain(printed.clients.service.secret);
    expect(JSON.parse(saved).profiles.prod).toMatchObject({
      baseUrl: printed.baseUrl,
      clientSecretEnv: 'IDP_CLIENT_SECRET',
    });
    const listed = await cli(['profiles', '--json']);
    expect(Object.keys(JSON.parse(listed.out))).toEqual(['prod']);
    const token = await cli(['token', '--profile', 'prod'], { IDP_CLIENT_SECRET: printed.clients.service.secret });
    expect(token.code).toBe(0);
    expect(token.out).toMatch(/^ey/);
    expect((await cli(['token', '--profile', 'nope'])).code).toBe(2);
  });
});
