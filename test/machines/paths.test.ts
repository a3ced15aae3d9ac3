import { describe, expect, it } from 'vitest';
import { apiKeyMachine } from '../../machines/api-key.js';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import { clientCredentialsMachine } from '../../machines/client-credentials.js';
import { deviceCodeMachine } from '../../machines/device-code.js';
import { isFailureCode } from '../../machines/failure.js';
import { loginUrlMachine } from '../../machines/login-url.js';
import { sessionMachine } from '../../machines/session.js';
import { graphCoverage } from '../helpers/graph-coverage.js';
import {
  apiKeyEvents,
  authorizationCodeEvents,
  clientCredentialsEvents,
  deviceCodeEvents,
  loginUrlEvents,
  sessionEvents,
} from './events.js';
import { machinesUnderTest } from './registry.js';

/**
 * Coverage over both settings of `ignoreStrayCallbacks`: a stray callback fails the flow (browser) or
 * is ignored (loopback), and each transition is taken under one of them.
 */
const bothWays = (
  machine: Parameters<typeof graphCoverage>[0],
  input: object,
  events: Parameters<typeof graphCoverage>[2],
) => {
  const strict = graphCoverage(machine, input, events);
  const lenient = graphCoverage(machine, { ...input, ignoreStrayCallbacks: true }, events);
  return {
    ...strict,
    states: {
      all: strict.states.all,
      reached: [...new Set([...strict.states.reached, ...lenient.states.reached])].sort(),
    },
    transitions: {
      all: strict.transitions.all,
      taken: [...new Set([...strict.transitions.taken, ...lenient.transitions.taken])].sort(),
    },
  };
};

describe('generated paths', () => {
  it('reach every state and take every transition of the login-url machine', () => {
    const coverage = bothWays(
      loginUrlMachine,
      { project: 'demo', redirectUrl: 'http://127.0.0.1:1/callback' },
      loginUrlEvents,
    );
    expect(coverage.states.reached).toEqual(coverage.states.all);
    expect(coverage.transitions.taken).toEqual(coverage.transitions.all);
    expect(coverage.transitions.all.length).toBeGreaterThan(30);
    expect(coverage.replayed).toBeGreaterThanOrEqual(coverage.states.all.length);
  });

  it('reach every state and take every transition of the api-key machine', () => {
    const coverage = graphCoverage(apiKeyMachine, { project: 'demo' }, apiKeyEvents);
    expect(coverage.states.reached).toEqual(coverage.states.all);
    expect(coverage.transitions.taken).toEqual(coverage.transitions.all);
    expect(coverage.replayed).toBeGreaterThanOrEqual(coverage.states.all.length);
  });

  it.each([
    [
      'authorization-code',
      authorizationCodeMachine,
      {
        issuer: 'https://idp.example',
        clientId: 'cli',
        redirectUri: 'http://127.0.0.1:9/callback',
        scope: 'openid',
        project: 'demo',
      },
      authorizationCodeEvents,
    ],
    ['device-code', deviceCodeMachine, { clientId: 'cli', scope: 'openid', project: 'demo' }, deviceCodeEvents],
    [
      'client-credentials',
      clientCredentialsMachine,
      { clientId: 'svc', scope: 's', project: 'demo' },
      clientCredentialsEvents,
    ],
    [
      'session',
      sessionMachine,
      { tokens: { accessToken: 'at', tokenType: 'Bearer', expiresAt: 100_000, refreshToken: 'rt' } },
      sessionEvents,
    ],
  ] as const)('reach every state and take every transition of the %s machine', (_name, machine, input, events) => {
    const coverage = bothWays(machine, input, events);
    expect(coverage.states.reached).toEqual(coverage.states.all);
    expect(coverage.transitions.taken).toEqual(coverage.transitions.all);
    expect(coverage.replayed).toBeGreaterThanOrEqual(coverage.states.all.length);
  });

  it.each(machinesUnderTest)(
    'in every reachable snapshot of the $name machine, a failure state carries a typed failure and a final state the matching output',
    (m) => {
      const { snapshots } = graphCoverage(m.machine, m.input, m.events);
      expect(snapshots.length).toBeGreaterThan(5);
      for (const snapshot of snapshots) {
        const failure = (snapshot.context as { failure?: { code?: unknown; message?: unknown } | null }).failure;
        if (m.failureStates.some((state) => snapshot.matches(state))) {
          expect(isFailureCode(failure?.code), JSON.stringify(snapshot.value)).toBe(true);
          expect(typeof failure?.message === 'string' && failure.message.length > 0).toBe(true);
        }
        if (snapshot.status === 'done' && snapshot.output !== undefined) {
          expect((snapshot.output as { status: string }).status).toBe(snapshot.value);
        }
      }
    },
  );
});
