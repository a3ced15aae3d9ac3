import type { AnyStateMachine } from 'xstate';
import { apiKeyMachine } from '../../machines/api-key.js';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import { clientCredentialsMachine } from '../../machines/client-credentials.js';
import { deviceCodeMachine } from '../../machines/device-code.js';
import { loginUrlMachine } from '../../machines/login-url.js';
import { sessionMachine } from '../../machines/session.js';
import {
  apiKeyEvents,
  authorizationCodeEvents,
  clientCredentialsEvents,
  deviceCodeEvents,
  loginUrlEvents,
  sessionEvents,
  type WorldEvent,
} from './events.js';

/** Every machine, with an input and the events the world can send it: the verification suite walks these. */
export interface MachineUnderTest {
  readonly name: string;
  readonly machine: AnyStateMachine;
  readonly input: unknown;
  readonly events: readonly WorldEvent[];
  /** The states in which the machine waits for a person or a server. */
  readonly failureStates: readonly string[];
}

export const machinesUnderTest: readonly MachineUnderTest[] = [
  {
    name: 'login-url',
    machine: loginUrlMachine,
    input: { project: 'demo', redirectUrl: 'http://127.0.0.1:1/callback' },
    events: loginUrlEvents,
    failureStates: ['failed'],
  },
  {
    name: 'api-key',
    machine: apiKeyMachine,
    input: { project: 'demo' },
    events: apiKeyEvents,
    failureStates: ['failed'],
  },
  {
    name: 'authorization-code',
    machine: authorizationCodeMachine,
    input: {
      issuer: 'https://idp.example',
      clientId: 'cli',
      redirectUri: 'http://127.0.0.1:9/callback',
      scope: 'openid',
      project: 'demo',
    },
    events: authorizationCodeEvents,
    failureStates: ['failed'],
  },
  {
    name: 'device-code',
    machine: deviceCodeMachine,
    input: { clientId: 'cli', scope: 'openid', project: 'demo' },
    events: deviceCodeEvents,
    failureStates: ['failed'],
  },
  {
    name: 'client-credentials',
    machine: clientCredentialsMachine,
    input: { clientId: 'svc', scope: 's', project: 'demo' },
    events: clientCredentialsEvents,
    failureStates: ['failed'],
  },
  {
    name: 'session',
    machine: sessionMachine,
    input: { tokens: { accessToken: 'at', tokenType: 'Bearer', expiresAt: 100_000, refreshToken: 'rt' } },
    events: sessionEvents,
    failureStates: ['reauthRequired'],
  },
];
