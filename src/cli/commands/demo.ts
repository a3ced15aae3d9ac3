/**
 * `cdf-auth demo` and `cdf-auth emulator`: the emulator with a real IdP on 127.0.0.1, and every flow
 * run against it headless, each transition printed (names only: no token appears).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loginWithApiKey, loginWithLoginUrl } from '../../drivers/node/legacy.js';
import {
  loginWithAuthorizationCode,
  loginWithClientCredentials,
  loginWithDeviceCode,
} from '../../drivers/node/oidc.js';
import { headlessOpener } from '../../drivers/node/opener.js';
import type { FlowTransition } from '../../drivers/node/run-flow.js';
import type { Emulator } from '../../emulator/index.js';
import { isAuthFlowError } from '../../errors/auth-flow-error.js';
import { createCdfClient } from '../../protocol/cdf.js';
import { sessionFor } from '../../session/oidc-session.js';
import { createFileTokenStore, type TokenStore } from '../../stores/file-token-store.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { formatTransition } from '../progress.js';
import { type DemoInstance, demoInstance, serverSideSignIn } from './demo-server.js';

interface Outcome {
  readonly flow: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly ms: number;
}

/** Runs the demo; resolves with the exit code (0 when every flow ended signed in). */
export async function demo(ctx: CommandContext): Promise<number> {
  if (ctx.flags.serve) return serve(ctx);
  const { startEmulator } = await import('../../emulator/index.js');
  // The web backend's two instances listen first: the IdP registers B's callback exactly.
  const instances = [await demoInstance(), await demoInstance()] as const;
  const emulator = await startEmulator({ webRedirectUris: [`http://127.0.0.1:${instances[1].port}/auth/callback`] });
  const home = await mkdtemp(path.join(tmpdir(), 'cdf-auth-demo-'));
  const outcomes: Outcome[] = [];
  try {
    ctx.out(`CDF emulator at ${emulator.baseUrl}, IdP (oidc-provider) at ${emulator.issuer}\n`);
    for (const [flow, body] of demoSteps(ctx, emulator, createFileTokenStore(home), instances)) {
      ctx.out(`\n${flow}\n`);
      const started = performance.now();
      try {
        outcomes.push({ flow, ok: true, detail: await body(), ms: performance.now() - started });
      } catch (error) {
        const detail = isAuthFlowError(error) ? `${error.code}: ${error.message}` : String(error);
        outcomes.push({ flow, ok: false, detail, ms: performance.now() - started });
      }
    }
  } finally {
    await Promise.all(instances.map((i) => i.close()));
    await emulator.close();
    await rm(home, { recursive: true, force: true });
  }
  ctx.out('\nSummary\n');
  for (const o of outcomes) ctx.out(`  ${o.ok ? 'ok  ' : 'FAIL'} ${o.flow}: ${o.detail} (${Math.round(o.ms)} ms)\n`);
  ctx.out('\nTo sign in yourself and watch the statechart light up: npm run serve (cdf-auth demo --serve)\n');
  return outcomes.every((o) => o.ok) ? ExitCode.ok : ExitCode.auth;
}

/** The demo's steps, one per flow: a title, and the sign-in that says in words how it ended. */
function demoSteps(
  ctx: CommandContext,
  emulator: Emulator,
  store: TokenStore,
  [a, b]: readonly [DemoInstance, DemoInstance],
): DemoStep[] {
  const print = (t: FlowTransition) => ctx.out(`${formatTransition(t)}\n`);
  return [
    ...legacySteps(ctx, emulator, store, print),
    ...oidcSteps(ctx, emulator, print),
    [
      '6. A web backend (cdf-authflow/server) on two instances sharing one store: the callback lands on the other instance',
      () => serverSideSignIn(emulator, a, b, (line) => ctx.out(line)),
    ],
  ];
}

type DemoStep = [string, () => Promise<string>];

/** The two historic ways in: the login URL and an API key. */
function legacySteps(
  ctx: CommandContext,
  emulator: Emulator,
  store: TokenStore,
  print: (t: FlowTransition) => void,
): DemoStep[] {
  return [
    [
      '1. Login-URL flow (legacy user sign-in), project "demo"',
      async () => {
        const session = await loginWithLoginUrl({
          baseUrl: emulator.baseUrl,
          project: 'demo',
          opener: headlessOpener(),
          onTransition: print,
          signal: ctx.signal,
        });
        await store.write({ ...session, v: 1, kind: 'login-url', baseUrl: emulator.baseUrl });
        const status = await createCdfClient({ baseUrl: emulator.baseUrl }).getLoginStatus({
          accessToken: session.accessToken,
        });
        return `authenticated as ${status.user} in ${status.project} (token cached, mode 0600, in a temp dir)`;
      },
    ],
    [
      '2. API key (legacy service account), project "demo"',
      async () => {
        const identity = await loginWithApiKey({
          baseUrl: emulator.baseUrl,
          apiKey: emulator.apiKeys[0]?.key ?? '',
          project: 'demo',
          onTransition: print,
          signal: ctx.signal,
        });
        return `authenticated as ${identity.user} in ${identity.project} (API key id ${identity.apiKeyId})`;
      },
    ],
  ];
}

/** OpenID Connect: code + PKCE on the loopback, device code, client credentials. */
function oidcSteps(ctx: CommandContext, emulator: Emulator, print: (t: FlowTransition) => void): DemoStep[] {
  const oidc = {
    issuer: emulator.issuer,
    baseUrl: emulator.baseUrl,
    project: 'demo',
    onTransition: print,
    signal: ctx.signal,
  };
  return [
    [
      '3. OpenID Connect code + PKCE, loopback redirect (RFC 8252)',
      async () => {
        const signIn = await loginWithAuthorizationCode({
          ...oidc,
          clientId: emulator.clients.cli,
          opener: headlessOpener(),
        });
        const session = sessionFor(signIn, { ...oidc, clientId: emulator.clients.cli });
        const first = await session.getToken();
        session.actor.send({ type: 'RENEW', now: Date.now() });
        const second = await session.getToken();
        session.logout();
        const refreshed = first !== second ? ', refreshed once through the session' : '';
        return `authenticated as ${signIn.claims?.sub} (ID token verified, token/inspect lists ${signIn.inspection.projects.join(', ')})${refreshed}`;
      },
    ],
    [
      '4. OpenID Connect device code (RFC 8628); the IdP names no interval, so the first poll waits 5 s',
      async () => {
        const signIn = await loginWithDeviceCode({
          ...oidc,
          clientId: emulator.clients.cli,
          onUserCode: (info) => {
            ctx.out(
              `  (show the person: open ${info.verificationUri} and enter ${info.userCode}; the demo approves it)\n`,
            );
            void emulator.answerDeviceCode(info.verificationUriComplete ?? info.verificationUri, true).catch(() => {});
          },
        });
        return `authenticated as ${signIn.claims?.sub} after the person approved the code`;
      },
    ],
    [
      '5. OpenID Connect client credentials (service, replaces API keys)',
      async () => {
        const result = await loginWithClientCredentials({
          ...oidc,
          clientId: emulator.clients.service.id,
          clientSecret: emulator.clients.service.secret,
          scope: 'api:read',
          resource: emulator.baseUrl,
        });
        return `authenticated as service "${result.inspection.subject}", token for ${result.inspection.projects.join(', ')}`;
      },
    ],
  ];
}

/** `cdf-auth demo --serve`: the emulator with a sign-in page for a person, and the live statechart page. */
async function serve(ctx: CommandContext): Promise<number> {
  const { startEmulator } = await import('../../emulator/index.js');
  const { startLivePage } = await import('../../viz/live-page.js');
  let emulator: Awaited<ReturnType<typeof startEmulator>> | undefined;
  const port = typeof ctx.flags.port === 'string' ? Number(ctx.flags.port) : 0;
  const live = await startLivePage({
    port,
    configure: async (origin) => {
      emulator = await startEmulator({ headless: false, spaRedirectUris: [`${origin}/`] });
      return {
        baseUrl: emulator.baseUrl,
        issuer: emulator.issuer,
        clientId: emulator.clients.spa,
        project: 'demo',
        deviceClientId: emulator.clients.cli,
      };
    },
  });
  ctx.out(
    `Live statechart page: ${live.url}\n(CDF emulator at ${emulator?.baseUrl}, IdP at ${emulator?.issuer}; Ctrl-C stops)\n`,
  );
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await live.close();
  await emulator?.close();
  return ExitCode.ok;
}

/** Keeps the emulator up until SIGINT/SIGTERM; prints its base URL (or, with --json, the demo credentials). */
