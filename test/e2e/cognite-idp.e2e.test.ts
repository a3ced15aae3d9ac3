/**
 * Cognite IdP (`auth.cognite.com`) as the emulator's `cogidp` profile has it, as strict as the real one:
 * one issuer for every organization, `organization_hint` required, only the Toolkit's registered
 * redirects (http://localhost:3000/, then 3100–3110), the organization's projects, client credentials
 * without scope, revocation. The CLI runs in its own process; the project comes from the organization.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { cogidp } from '../../src/config/idp-presets.js';
import { loginWithAuthorizationCode, loginWithClientCredentials } from '../../src/drivers/node/oidc.js';
import { headlessOpener } from '../../src/drivers/node/opener.js';
import { startEmulator } from '../../src/emulator/index.js';
import { organizationProjects } from '../../src/protocol/cognite-idp.js';
import { createOidcClient } from '../../src/protocol/oidc.js';
import { createFileTokenStore } from '../../src/stores/file-token-store.js';
import { CLI_BIN, spawnCli } from '../helpers/cli.js';
import { failureOf } from '../helpers/failure.js';
import { freePort } from '../helpers/http-server.js';
import { resetEmulator } from '../helpers/lifecycle.js';

const emulator = await startEmulator({ profile: 'cogidp', seed: 'cognite-idp' });
afterAll(() => emulator.close());
beforeEach(() => resetEmulator(emulator));

const org = emulator.organization ?? '';
const person = ['--provider', 'cdf', '--issuer', emulator.issuer, '--client-id', emulator.clients.cli];

/** A temporary working directory with its own token cache, removed after `use`. */
async function inTempDir(use: (dir: string, home: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cdf-auth-cogidp-'));
  try {
    await use(dir, path.join(dir, 'home'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const cdfAuth = (args: string[], home: string) => spawnCli(args, { CDF_AUTHFLOW_HOME: home }).exit;

describe('a person signs in to an organization; the project and its cluster come from it', () => {
  it('--project picks from the organization; --save-env writes what the Toolkit reads, keeping every other line', async () => {
    await inTempDir(async (dir, home) => {
      const envFile = path.join(dir, '.env');
      await writeFile(envFile, '# mine\nIDP_CLIENT_SECRET=keep-me\nCDF_PROJECT=old\n', { mode: 0o600 });
      const login = await cdfAuth(
        ['login', ...person, '--org', org, '--project', 'demo', '--headless', '--save-env', '--env-file', envFile],
        home,
      );
      expect({ code: login.code, err: login.err.replace(/^Wrote .*\n/m, '') }).toEqual({ code: 0, err: '' });
      const written = await readFile(envFile, 'utf8');
      expect(written).toBe(
        `# mine\nIDP_CLIENT_SECRET=keep-me\nCDF_PROJECT=demo\nPROVIDER=cdf\nLOGIN_FLOW=session\nCDF_URL=${emulator.baseUrl}\nCDF_ORG=${org}\n`,
      );
      expect((await stat(envFile)).mode & 0o777).toBe(0o600);
      const status = await cdfAuth(['status'], home);
      expect(status.out).toContain(`IdP:      Cognite IdP (${emulator.issuer})`);
      expect(status.out).toContain(`${emulator.baseUrl}, project demo`);
    });
  });

  it('several projects and no terminal: a usage error that lists them, exit 2, nothing cached', async () => {
    await inTempDir(async (_dir, home) => {
      const login = await cdfAuth(['login', ...person, '--org', org, '--headless'], home);
      expect(login.code).toBe(2);
      expect(login.err).toContain(`Organization ${org} has several projects (demo, other): name one with --project.`);
      expect((await cdfAuth(['logins', '--json'], home)).out.trim()).toBe('[]');
    });
  });

  it('several projects on a terminal: the person is asked, and the answer is taken', async () => {
    await inTempDir(async (_dir, home) => {
      // `script` gives the CLI a real pty for stdin and stderr; the answer "2" is typed into it.
      const command = [process.execPath, CLI_BIN, 'login', ...person, '--org', org, '--headless']
        .map((word) => `'${word}'`)
        .join(' ');
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env: { ...process.env, CDF_AUTHFLOW_HOME: home },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let screen = '';
      child.stdout.on('data', (chunk: Buffer) => {
        screen += chunk.toString();
        if (screen.includes('Which project?') && !child.stdin.writableEnded) child.stdin.end('2\n');
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(screen).toContain('1. demo');
      expect(screen).toContain('2. other');
      expect(code).toBe(0);
      expect(screen).toContain('to project other');
    });
  });

  it('one project: taken without asking (bob reaches only "other")', async () => {
    emulator.setNextLogin({ approve: 'bob' });
    const signIn = await loginWithAuthorizationCode({
      idp: cogidp({ org, issuer: emulator.issuer }),
      clientId: emulator.clients.cli,
      baseUrl: '',
      opener: headlessOpener(),
      pickProject: async (accessToken) => {
        const projects = await organizationProjects({ issuer: emulator.issuer, org, accessToken });
        expect(projects).toEqual([{ name: 'other', apiUrl: emulator.baseUrl }]);
        return { baseUrl: emulator.baseUrl, project: 'other' };
      },
    });
    expect(signIn.inspection.subject).toBe('bob');
  });

  it('the refresh token rotates: a new one each refresh, the spent one refused', async () => {
    const signIn = await loginWithAuthorizationCode({
      idp: cogidp({ org, issuer: emulator.issuer }),
      clientId: emulator.clients.cli,
      baseUrl: emulator.baseUrl,
      project: 'demo',
      opener: headlessOpener(),
    });
    const idp = createOidcClient({ issuer: emulator.issuer, clientId: emulator.clients.cli });
    const spent = signIn.tokens.refreshToken ?? '';
    const next = await idp.refresh(spent);
    expect(next.refreshToken).toBeTruthy();
    expect(next.refreshToken).not.toBe(spent);
    expect((await failureOf(idp.refresh(spent))).code).toBe('invalidGrant');
  });

  it('the first registered port busy: the next one of the Toolkit list is used', async () => {
    const held = net.createServer();
    const holding = await new Promise<boolean>((resolve) => {
      held.once('error', () => resolve(false));
      held.listen(3000, '127.0.0.1', () => resolve(true));
    });
    try {
      await inTempDir(async (_dir, home) => {
        const login = await cdfAuth(['login', ...person, '--org', org, '--project', 'demo', '--headless'], home);
        expect({ code: login.code, err: login.err }).toEqual({ code: 0, err: '' });
      });
    } finally {
      if (holding) held.close();
    }
  });

  it('logout revokes the refresh token at the discovered revocation endpoint', async () => {
    await inTempDir(async (_dir, home) => {
      expect((await cdfAuth(['login', ...person, '--org', org, '--project', 'demo', '--headless'], home)).code).toBe(0);
      const [cached] = await createFileTokenStore(home).list();
      const refreshToken = cached?.kind === 'oidc' ? (cached.tokens.refreshToken ?? '') : '';
      expect(refreshToken).not.toBe('');
      const logout = await cdfAuth(['logout'], home);
      expect(logout.out).toContain('the refresh token was revoked at the IdP');
      const idp = createOidcClient({ issuer: emulator.issuer, clientId: emulator.clients.cli });
      expect((await failureOf(idp.refresh(refreshToken))).code).toBe('invalidGrant');
    });
  });
});

describe('the cogidp profile is as strict as Cognite IdP', () => {
  it('refuses a redirect URI that is not registered exactly (another port, 127.0.0.1)', async () => {
    // A free port, not 53000: the Toolkit .env test binds that one at the same time.
    for (const redirectUri of [`http://localhost:${await freePort()}`, 'http://127.0.0.1:3000/']) {
      const error = await failureOf(
        loginWithAuthorizationCode({
          idp: cogidp({ org, issuer: emulator.issuer }),
          clientId: emulator.clients.cli,
          baseUrl: emulator.baseUrl,
          redirectUri,
          opener: headlessOpener(),
          totalTimeoutMs: 5_000,
        }),
      );
      expect(['navigationFailed', 'idpError', 'timeout']).toContain(error.code);
    }
  });

  it('refuses a sign-in without organization_hint, and one for another organization', async () => {
    const metadata = (await (await fetch(`${emulator.issuer}/.well-known/openid-configuration`)).json()) as {
      authorization_endpoint: string;
      device_authorization_endpoint?: string;
    };
    expect(metadata.device_authorization_endpoint).toBeUndefined();
    const base = new URL(metadata.authorization_endpoint);
    base.search = new URLSearchParams({
      client_id: emulator.clients.cli,
      response_type: 'code',
      redirect_uri: 'http://localhost:3000/',
      scope: 'openid',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    }).toString();
    const without = await fetch(base, { redirect: 'manual' });
    expect(without.status).toBe(400);
    expect(await without.text()).toContain('organization_hint is required');
    base.searchParams.set('organization_hint', 'another-org');
    expect((await fetch(base, { redirect: 'manual' })).status).toBe(400);
  });

  it('client credentials: without scope a token CDF accepts; with a scope refused', async () => {
    const service = {
      idp: cogidp({ issuer: emulator.issuer }),
      baseUrl: emulator.baseUrl,
      clientId: emulator.clients.service.id,
      clientSecret: emulator.clients.service.secret,
    };
    expect((await loginWithClientCredentials(service)).inspection.subject).toBe('service');
    const error = await failureOf(loginWithClientCredentials({ ...service, scope: 'openid' }));
    expect(error.message).toContain('invalid_scope');
  });

  it('the projects API answers only a token of this IdP, for its organization', async () => {
    const url = `${emulator.issuer}/api/v1/orgs/${org}/projects`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer forged.token.here' } })).status).toBe(401);
  });
});

describe('cdf-auth emulator --profile cogidp, as a person meets it', () => {
  it('every login it prints to try signs in', async () => {
    await inTempDir(async (_dir, home) => {
      const child = spawn(process.execPath, [CLI_BIN, 'emulator', '--profile', 'cogidp', '--json'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      try {
        const printed = await new Promise<{ try: string[] }>((resolve, reject) => {
          let text = '';
          child.stdout.on('data', (chunk: Buffer) => {
            text += chunk.toString();
            if (text.includes('\n')) resolve(JSON.parse(text.split('\n')[0] ?? '') as { try: string[] });
          });
          child.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
        });
        const logins = printed.try.filter((line) => line.includes('cdf-auth login'));
        expect(logins.length).toBeGreaterThanOrEqual(3);
        for (const line of logins) {
          const command = line.replace('cdf-auth', `'${process.execPath}' '${CLI_BIN}'`);
          const run = spawn('sh', ['-c', command], { env: { ...process.env, CDF_AUTHFLOW_HOME: home } });
          let err = '';
          run.stderr.on('data', (chunk: Buffer) => {
            err += chunk.toString();
          });
          const code = await new Promise<number | null>((resolve) => run.on('exit', resolve));
          expect({ line, code, err }).toEqual({ line, code: 0, err: '' });
        }
      } finally {
        child.kill('SIGINT');
      }
    });
  });
});
