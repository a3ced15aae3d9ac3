/**
 * The first hour with the CLI, met the way a person meets it: a real process where it matters, the
 * cache a person damages, the options a person mistypes. Each case was seen failing before its fix.
 */
import { spawn } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { CLI_BIN, loginUrlArgs, runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/http-server.js';
import { eachFreshHome } from '../helpers/lifecycle.js';

const emulator = await startEmulator({ seed: 'first-hour' });
afterAll(() => emulator.close());

let home = '';
eachFreshHome('cdf-auth-first-hour-', (dir) => {
  home = dir;
});
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(home, args, { CDF_AUTHFLOW_HOME: home, ...env });
const service = () => [
  'login',
  '--base-url',
  emulator.baseUrl,
  '--project',
  'demo',
  '--issuer',
  emulator.issuer,
  '--client-id',
  emulator.clients.service.id,
];
const secret = () => ({ IDP_CLIENT_SECRET: emulator.clients.service.secret });
/** A person's login at the emulator, with no flow named: the CLI chooses. */
const person = () => [
  'login',
  '--base-url',
  emulator.baseUrl,
  '--issuer',
  emulator.issuer,
  '--client-id',
  emulator.clients.cli,
];

describe('bugs of the first hour', () => {
  it("1. --env-file nope.env is the CLI's usage error (Node 20 reads --env-file anywhere on the command line)", async () => {
    // Run as npm's bin link runs it: the file itself, through its shebang.
    await chmod(CLI_BIN, 0o755);
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(CLI_BIN, ['login', '--env-file', path.join(home, 'nope.env'), '--json'], {
        env: { ...process.env, CDF_AUTHFLOW_HOME: home },
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.on('exit', (code) => resolve({ code, out }));
    });
    expect(run.code).toBe(2);
    expect(JSON.parse(run.out)).toMatchObject({ error: { code: 'usage' } });
  });

  it('4. logout works on a corrupt current.json and says what it removed', async () => {
    expect((await cli(service(), secret())).code).toBe(0);
    await writeFile(path.join(home, 'current.json'), '{ not json');
    const logout = await cli(['logout']);
    expect({ code: logout.code, err: logout.err }).toEqual({ code: 0, err: '' });
    expect(logout.out).toContain('current.json');
    expect((await cli(['logout'])).code).not.toBe(1);
  });

  it('5. emulator --json: stdout is JSON only, also once the device page is used', async () => {
    const child = spawn(process.execPath, [CLI_BIN, 'emulator', '--json', '--seed', 'first-hour-json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines: string[] = [];
      const reader = createInterface({ input: child.stdout });
      reader.on('line', (line) => lines.push(line));
      while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      const printed = JSON.parse(lines[0] ?? '') as {
        issuer: string;
        clients: { cli: string; service: { id: string; secret: string } };
      };
      // Use the device flow and revocation, which make oidc-provider print its notices.
      const device = await fetch(`${printed.issuer}/device/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: printed.clients.cli, scope: 'openid' }),
      });
      const answer = (await device.json()) as { verification_uri: string; verification_uri_complete: string };
      // The page where the person types the code, then the one with the code in it.
      await fetch(answer.verification_uri);
      await fetch(answer.verification_uri_complete);
      // A revocation by the service client: oidc-provider's default revocation policy prints a NOTICE.
      const basic = Buffer.from(`${printed.clients.service.id}:${printed.clients.service.secret}`).toString('base64');
      await fetch(`${printed.issuer}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
        body: new URLSearchParams({ token: 'x' }),
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    } finally {
      child.kill('SIGINT');
    }
  });
});

describe('2. a client-credentials login made from an --env-file keeps working once its token expires', () => {
  it('token, status and api in a shell without the secret take it again from the file it came from', async () => {
    const shortLived = await startEmulator({ seed: 'first-hour-short', accessTokenTtlMs: 10_000 });
    try {
      const file = path.join(home, 'project.env');
      await writeFile(
        file,
        [
          `CDF_URL=${shortLived.baseUrl}`,
          'CDF_PROJECT=demo',
          `IDP_DISCOVERY_URL=${shortLived.issuer}/.well-known/openid-configuration`,
          'PROVIDER=other',
          `IDP_CLIENT_ID=${shortLived.clients.service.id}`,
          `IDP_CLIENT_SECRET=${shortLived.clients.service.secret}`,
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      expect((await cli(['login', '--env-file', file])).code).toBe(0);
      const cached = JSON.stringify(await import('node:fs/promises').then((fs) => fs.readdir(home)));
      expect(cached).not.toContain(shortLived.clients.service.secret);
      // A 10 s token is due at once (30 s leeway): each of these renews, without the variable in the shell.
      for (const args of [['token'], ['status', '--json'], ['api', '/api/v1/projects/{project}/assets']]) {
        const run = await cli(args);
        expect({ args, code: run.code, err: run.err }).toEqual({ args, code: 0, err: '' });
      }
      // The file no longer has it: an authentication failure saying the exact command, not a usage error.
      await writeFile(file, `CDF_URL=${shortLived.baseUrl}\n`);
      const gone = await cli(['token']);
      expect(gone.code).toBe(3);
      expect(gone.err).toContain(`cdf-auth login --env-file ${file}`);
      expect(gone.err).not.toContain('Usage:');
      // The login stays: with the secret back in the shell, it renews.
      const back = await cli(['token'], { IDP_CLIENT_SECRET: shortLived.clients.service.secret });
      expect({ code: back.code, err: back.err }).toEqual({ code: 0, err: '' });
    } finally {
      await shortLived.close();
    }
  });

  it('token --help lists --env-file', async () => {
    expect((await cli(['token', '--help'])).out).toContain('--env-file');
  });
});

describe('3. an emulator that shows a sign-in page to a person', () => {
  it('--headless against it fails at once, saying why', async () => {
    const interactive = await startEmulator({ seed: 'first-hour-interactive', headless: false });
    try {
      const started = Date.now();
      const run = await cli([
        'login',
        '--base-url',
        interactive.baseUrl,
        '--issuer',
        interactive.issuer,
        '--client-id',
        interactive.clients.cli,
        '--flow',
        'code',
        '--headless',
      ]);
      expect(run.code).not.toBe(0);
      expect(run.err).toContain('needs a person');
      expect(run.err).toContain('--headless');
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await interactive.close();
    }
  });

  it('emulator --interactive --json lists no --headless command to try', async () => {
    const child = spawn(process.execPath, [CLI_BIN, 'emulator', '--interactive', '--json'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const reader = createInterface({ input: child.stdout });
      const line = await new Promise<string>((resolve) => reader.once('line', resolve));
      const printed = JSON.parse(line) as { try: string[] };
      expect(printed.try.length).toBeGreaterThan(3);
      expect(printed.try.filter((command) => command.includes('--headless'))).toEqual([]);
    } finally {
      child.kill('SIGINT');
    }
  });
});

describe('messages that say what and where', () => {
  it.each([
    [['--base-url', 'htp://x.cognitedata.com'], '--base-url'],
    [['--base-url', '127.0.0.1:8080'], '--base-url'],
  ])('7. a bad %j is a usage error (exit 2) naming the option', async (flags, option) => {
    const run = await cli([...service(), ...flags], secret());
    expect(run.code).toBe(2);
    expect(run.err).toContain(option);
  });

  it('7. --base-url ending in /api/v1 says the path is doubled', async () => {
    const run = await cli(
      [
        ...service().filter((a) => a !== emulator.baseUrl && a !== '--base-url'),
        '--base-url',
        `${emulator.baseUrl}/api/v1`,
      ],
      secret(),
    );
    expect(run.code).toBe(2);
    expect(run.err).toContain('/api/v1');
  });

  it('8. diagram nope: unknown machine, and the machines', async () => {
    const run = await cli(['diagram', 'nope']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('Unknown machine "nope"');
    expect(run.err).toContain('authorization-code');
  });

  it("8. a mistyped flag: did you mean, and the command's own help", async () => {
    const run = await cli(['login', '--flo', 'code']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('Did you mean --flow?');
    expect(run.err).toContain('Usage: cdf-auth login');
  });
});

describe("6. the IdP's own diagnostics, and which side refused", () => {
  it("--json carries Entra's AADSTS codes, trace_id and correlation_id; the code says the IdP refused the client", async () => {
    const entraIdp = await startEmulator({ profile: 'entra', seed: 'first-hour-entra' });
    try {
      const run = await cli(
        [
          'login',
          '--base-url',
          entraIdp.baseUrl,
          '--provider',
          'entra',
          '--authority',
          entraIdp.idpOrigin,
          '--tenant',
          entraIdp.tenantId ?? '',
          '--client-id',
          entraIdp.clients.service.id,
          '--json',
        ],
        { IDP_CLIENT_SECRET: 'not-the-secret' },
      );
      expect(run.code).toBe(3);
      const { error } = JSON.parse(run.out) as {
        error: { code: string; message: string; idpDiagnostics: { traceId: string; errorCodes: number[] } };
      };
      expect(error.code).toBe('clientRejected');
      expect(error.message).toContain('AADSTS');
      expect(error.idpDiagnostics.traceId).toMatch(/^[0-9a-f-]{36}$/);
      expect(run.out).not.toContain('not-the-secret');
    } finally {
      await entraIdp.close();
    }
  });
});

describe('9. while a sign-in waits for the browser', () => {
  it('one line with the URL (in case the browser did not open) and what it waits for', async () => {
    // A $BROWSER that opens nothing, as a browser that did not come up.
    const run = await cli([...person(), '--timeout', '2'], { BROWSER: 'true' });
    expect(run.err).toMatch(/If no browser opened, open this URL to sign in:\nhttp:\/\/127\.0\.0\.1:\d+\/auth\?/);
    expect(run.err).toContain('Waiting for the sign-in to come back');
    expect(run.code).toBe(4);
  });
});

describe('conventions people expect', () => {
  it('10. the flow choice honours $BROWSER (WSL sets BROWSER=wslview) and --verbose says why it chose', async () => {
    const args = person();
    // No display, over SSH or not: without $BROWSER the device code; with it, the browser (here: headless).
    const device = await cli([...args, '--verbose', '--timeout', '2'], { DISPLAY: '', SSH_TTY: '' });
    expect(device.err).toContain('flow: device (chosen: no browser can open here');
    const code = await cli([...args, '--verbose', '--timeout', '2', '--no-browser'], {
      DISPLAY: '',
      BROWSER: 'wslview',
    });
    expect(code.err).toContain('flow: code (chosen: a browser can open here');
  });

  it('11. status --project P works alone (the one cached login of that project)', async () => {
    expect((await cli(service(), secret())).code).toBe(0);
    const run = await cli(['status', '--project', 'demo', '--json'], secret());
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(run.out)).toMatchObject({ project: 'demo' });
  });

  it('11. login --json has no projectId -1; token --json prints token, expiry and type', async () => {
    const login = await cli([...service(), '--json'], secret());
    expect(JSON.parse(login.out)).not.toHaveProperty('projectId');
    const token = await cli(['token', '--json'], secret());
    expect(token.code).toBe(0);
    const printed = JSON.parse(token.out) as { accessToken: string; expiresAt: string; tokenType: string };
    expect(printed.tokenType).toBe('Bearer');
    expect(printed.accessToken.split('.')).toHaveLength(3);
    expect(Number.isNaN(Date.parse(printed.expiresAt))).toBe(false);
  });

  it('11. api -f with -X GET sends query parameters, as gh api does; --verbose prints the request line and status', async () => {
    expect((await cli(service(), secret())).code).toBe(0);
    const before = emulator.requests.length;
    const run = await cli(
      ['api', '/api/v1/projects/{project}/assets', '-X', 'GET', '-f', 'limit=1', '-f', 'name=pump 1', '--verbose'],
      secret(),
    );
    expect(run.code).toBe(0);
    const sent = emulator.requests.slice(before).find((request) => request.path.endsWith('/assets'));
    expect(sent).toMatchObject({ method: 'GET', search: '?limit=1&name=pump+1' });
    expect(run.err).toContain(`> GET ${emulator.baseUrl}/api/v1/projects/demo/assets?limit=1&name=pump+1`);
    expect(run.err).toMatch(/< HTTP 200/);
    expect(run.err).not.toMatch(/Bearer|eyJ/);
    // A path that answers only GET takes -f as query parameters without -X GET.
    const inspect = await cli(['api', 'api/v1/token/inspect', '-f', 'x=1'], secret());
    expect(inspect.code).toBe(0);
    expect(emulator.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/v1/token/inspect', search: '?x=1' });
  });

  it('11. switch makes a cached login the current one (gh auth switch, az account set)', async () => {
    expect((await cli(service(), secret())).code).toBe(0);
    expect((await cli([...loginUrlArgs(emulator.baseUrl, 'other'), '--headless'])).code).toBe(0);
    expect(JSON.parse((await cli(['status', '--json'])).out)).toMatchObject({ project: 'other' });
    const run = await cli(['switch', '--project', 'demo']);
    expect({ code: run.code, out: run.out }).toEqual({ code: 0, out: `Now using demo at ${emulator.baseUrl}.\n` });
    expect(JSON.parse((await cli(['status', '--json'], secret())).out)).toMatchObject({ project: 'demo' });
    expect((await cli(['switch', '--project', 'nope'])).code).toBe(2);
    expect((await cli(['switch'])).err).toContain('Name the login to switch to');
  });

  it('11. logins has column headers and lists an unreadable entry as such', async () => {
    expect((await cli(service(), secret())).code).toBe(0);
    await writeFile(path.join(home, 'tokens-0123456789abcdef01234567.json'), '{ not json', { mode: 0o600 });
    const run = await cli(['logins']);
    expect(run.code).toBe(0);
    const [header, row, broken] = run.out.split('\n');
    expect(
      header
        ?.trim()
        .split(/\s{2,}/)
        .map((h) => h.trim()),
    ).toEqual(['BASE URL', 'PROJECT', 'FLOW', 'USER']);
    expect(row).toMatch(new RegExp(`^\\* +${emulator.baseUrl} +demo +client-credentials`));
    expect(broken).toBe(
      `unreadable: ${path.join(home, 'tokens-0123456789abcdef01234567.json')} (remove it, or sign in again to the login it held)`,
    );
    const json = JSON.parse((await cli(['logins', '--json'])).out) as object[];
    expect(json.at(-1)).toEqual({ unreadable: path.join(home, 'tokens-0123456789abcdef01234567.json') });
  });

  it('11. api api/v1/... without the leading slash works', async () => {
    expect((await cli(service(), secret())).code).toBe(0);
    const run = await cli(['api', 'api/v1/projects/{project}/assets'], secret());
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: '' });
  });
});

describe('7 and 13. what a newcomer gets wrong at Entra ID: the answer names the code, the option and the URL', () => {
  let entraIdp: Emulator;
  beforeAll(async () => {
    entraIdp = await startEmulator({ profile: 'entra', seed: 'first-hour-newcomer' });
  });
  afterAll(() => entraIdp.close());
  const entraLogin = (...flags: string[]) => [
    'login',
    '--base-url',
    entraIdp.baseUrl,
    '--provider',
    'entra',
    '--authority',
    entraIdp.idpOrigin,
    ...flags,
  ];
  const serviceSecret = () => ({ IDP_CLIENT_SECRET: entraIdp.clients.service.secret });
  const typoClient = '11111111-2222-4333-8444-555555555555';

  it('a tenant typo: HTTP 400 with AADSTS90002, the URL asked and "check --tenant" (exit 2)', async () => {
    const run = await cli(
      entraLogin('--tenant', 'contoso-typo.onmicrosoft.com', '--client-id', entraIdp.clients.service.id),
      serviceSecret(),
    );
    expect(run.code).toBe(2);
    expect(run.err).toContain(
      `${entraIdp.idpOrigin}/contoso-typo.onmicrosoft.com/v2.0/.well-known/openid-configuration`,
    );
    expect(run.err).toContain('answered HTTP 400: check --tenant');
    expect(run.err).toContain("AADSTS90002: Tenant 'contoso-typo.onmicrosoft.com' not found");
  });

  it.each([
    ['client credentials', [], serviceSecret],
    ['the device flow', ['--flow', 'device', '--timeout', '20'], () => ({})],
  ])(
    'an unknown client id (%s): AADSTS700016, the IdP refused the client, check --client-id',
    async (_flow, flags, env) => {
      const run = await cli(
        [...entraLogin('--tenant', entraIdp.tenantId ?? '', '--client-id', typoClient, ...flags), '--json'],
        env(),
      );
      expect(run.code).toBe(3);
      const { error } = JSON.parse(run.out) as { error: { code: string; message: string; idpDiagnostics: object } };
      expect(error.code).toBe('clientRejected');
      expect(error.message).toContain(`AADSTS700016: Application with identifier '${typoClient}' was not found`);
      expect(error.message).toContain('--client-id');
      // Not a secret sent the wrong way: no advice about the client authentication method.
      expect(error.message).not.toContain('--client-auth');
      expect(error.idpDiagnostics).toMatchObject({ errorCodes: [700016] });
    },
  );

  it("an unknown client id in the person's browser: Entra's own page says AADSTS700016, no redirect", async () => {
    const url = new URL(`${entraIdp.idpOrigin}/${entraIdp.tenantId}/oauth2/v2.0/authorize`);
    url.search = new URLSearchParams({
      client_id: typoClient,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:5000/callback',
      scope: `${entraIdp.baseUrl}/.default openid`,
      state: 's',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain(`AADSTS700016: Application with identifier &#39;${typoClient}&#39;`);
  });

  it.each([
    ['a scope that does not exist', '/.defualt', [], 'AADSTS70011'],
    ['client credentials without /.default', '/user_impersonation', [], 'AADSTS1002012'],
    ['a person asking for a scope that does not exist', '/.defualt', ['--flow', 'device'], 'AADSTS70011'],
  ])('%s: invalid_scope with the AADSTS code and the scope', async (_what, suffix, flags, code) => {
    const scope = `${entraIdp.baseUrl}${suffix}`;
    const client = flags.length > 0 ? entraIdp.clients.cli : entraIdp.clients.service.id;
    const run = await cli(
      entraLogin('--tenant', entraIdp.tenantId ?? '', '--client-id', client, '--scope', scope, ...flags),
      flags.length > 0 ? {} : serviceSecret(),
    );
    expect(run.code).toBe(3);
    expect(run.err).toContain(`invalid_scope (${code}:`);
    expect(run.err).toContain(scope);
  });

  it('an IdP host that does not answer is named, with why', async () => {
    const closed = await freePort();
    const run = await cli(entraLogin('--tenant', 'x', '--authority', `http://127.0.0.1:${closed}`, '--client-id', 'y'));
    expect(run.code).toBe(4);
    expect(run.err).toContain(`http://127.0.0.1:${closed}/x/v2.0/.well-known/openid-configuration`);
    expect(run.err).toContain('nothing listens on that port');
  });

  it('a CDF host that does not answer is named, with why', async () => {
    const closed = await freePort();
    const run = await cli([
      'login',
      '--flow',
      'login-url',
      '--base-url',
      `http://127.0.0.1:${closed}`,
      '--project',
      'p',
    ]);
    expect(run.code).toBe(4);
    expect(run.err).toContain(`could not reach http://127.0.0.1:${closed} (nothing listens on that port)`);
  });
});
