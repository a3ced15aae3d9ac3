/** A token is for the configured project when CDF lists it among the token's projects, whatever the case. */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { apiKeyMachine } from '../../machines/api-key.js';
import { authorizationCodeMachine } from '../../machines/authorization-code.js';
import { deviceCodeMachine } from '../../machines/device-code.js';
import type { Inspection } from '../../machines/shared/tokens.js';
import { step } from '../helpers/step.js';

describe('project matching', () => {
  const inspection = (projects: string[]): Inspection => ({ subject: 's', projects });
  it('accepts a token whose inspection lists the project among others, ignoring case', () => {
    const guard = authorizationCodeMachine.implementations.guards.isOtherProject as unknown as (
      args: { context: { project: string | null } },
      inspection: Inspection,
    ) => boolean;
    expect(guard({ context: { project: 'demo' } }, inspection(['other', 'DEMO']))).toBe(false);
    expect(guard({ context: { project: 'demo' } }, inspection(['other']))).toBe(true);
    expect(guard({ context: { project: null } }, inspection(['other']))).toBe(false);
    const device = deviceCodeMachine.implementations.guards.isOtherProject as unknown as typeof guard;
    expect(device({ context: { project: 'demo' } }, inspection(['other', 'Demo']))).toBe(false);
    expect(device({ context: { project: 'demo' } }, inspection([]))).toBe(true);
    expect(device({ context: { project: null } }, inspection([]))).toBe(false);
  });

  it('api key: any project when none is configured, the configured one otherwise', () => {
    const status = (project: string) => ({
      type: 'xstate.done.actor.verifyApiKey',
      output: { loggedIn: true, user: 'u', project, projectId: 1, apiKeyId: 2 },
    });
    const open = transition(apiKeyMachine, initialTransition(apiKeyMachine, { project: null })[0], {
      type: 'START',
    })[0];
    expect(step(apiKeyMachine, open, status('anything')).value).toBe('authenticated');
    const strict = transition(apiKeyMachine, initialTransition(apiKeyMachine, { project: 'Demo' })[0], {
      type: 'START',
    })[0];
    const rejected = step(apiKeyMachine, strict, status('other'));
    expect(rejected.value).toBe('failed');
    expect(rejected.output).toMatchObject({
      status: 'failed',
      failure: { code: 'projectMismatch', state: 'verifying' },
    });
    expect(rejected.context.failure?.message).toContain('Demo');
    const ready = step(apiKeyMachine, strict, status('demo'));
    expect(ready.output).toMatchObject({ status: 'signedIn', credential: { project: 'demo' } });
  });
});
