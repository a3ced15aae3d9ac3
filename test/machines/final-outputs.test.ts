/**
 * The final outputs of the flows: signed in with the credential, failed with the reason and the state it
 * happened in, cancelled (also after tokens came but before CDF inspected them); none before the end.
 */
import { describe, expect, it } from 'vitest';
import { apiKeyMachine } from '../../machines/api-key.js';
import { clientCredentialsMachine } from '../../machines/client-credentials.js';
import { deviceCodeMachine } from '../../machines/device-code.js';
import type { TokenSet } from '../../machines/shared/tokens.js';
import { run, step } from '../helpers/step.js';
import { deviceCodeToTokens } from './fixtures.js';

const tokens: TokenSet = { accessToken: 'at', tokenType: 'Bearer', expiresAt: 100_000, idToken: 'it' };

describe('final outputs', () => {
  const status = (project: string) => ({
    type: 'xstate.done.actor.verifyApiKey',
    output: { loggedIn: true, user: 'svc', project, projectId: 1, apiKeyId: 2 },
  });

  it('api key: signedIn with the identity; failed with the reason and state; none while verifying', () => {
    const ready = run(apiKeyMachine, { project: null }, [{ type: 'START' }, status('demo')]);
    expect(ready.output).toEqual({
      status: 'signedIn',
      credential: expect.objectContaining({ user: 'svc', project: 'demo' }),
    });
    expect(run(apiKeyMachine, { project: null }, [{ type: 'START' }]).output).toBeUndefined();
    expect(run(apiKeyMachine, { project: 'x' }, [{ type: 'START' }, status('demo')]).output).toMatchObject({
      status: 'failed',
      failure: { code: 'projectMismatch', state: 'verifying' },
    });
  });

  const inspected = (projects: string[]) => ({
    type: 'xstate.done.actor.inspectToken',
    output: { subject: 'svc', projects },
  });
  const requested = { type: 'xstate.done.actor.requestToken', output: tokens };

  it('client credentials: CDF must list the project (without regard to case); no project accepts any', () => {
    const input = { clientId: 'svc', scope: 's', project: 'Demo' };
    const ok = run(clientCredentialsMachine, input, [{ type: 'START' }, requested, inspected(['other', 'demo'])]);
    expect(ok.output).toEqual({
      status: 'signedIn',
      credential: { tokens, inspection: { subject: 'svc', projects: ['other', 'demo'] } },
    });
    const other = run(clientCredentialsMachine, input, [{ type: 'START' }, requested, inspected(['other'])]);
    expect(other.value).toBe('failed');
    expect(other.output).toMatchObject({
      status: 'failed',
      failure: { code: 'projectMismatch', state: 'inspectingToken' },
    });
    const any = run(clientCredentialsMachine, { clientId: 'svc', scope: 's' }, [
      { type: 'START' },
      requested,
      inspected([]),
    ]);
    expect(any.value).toBe('authenticated');
  });

  it('client credentials: no output while requesting or inspecting; authenticated is final', () => {
    const input = { clientId: 'svc', scope: 's' };
    const requesting = run(clientCredentialsMachine, input, [{ type: 'START' }]);
    expect(requesting.output).toBeUndefined();
    const inspecting = step(clientCredentialsMachine, requesting, requested);
    expect(inspecting.value).toBe('inspectingToken');
    expect(inspecting.output).toBeUndefined();
    const authenticated = step(clientCredentialsMachine, inspecting, inspected(['demo']));
    expect(authenticated.status).toBe('done');
  });
});

describe('device code output', () => {
  it('cancelled after the tokens came but before CDF inspected them: the output says cancelled', () => {
    const s = run(deviceCodeMachine, { clientId: 'cli', scope: 'openid' }, [
      ...deviceCodeToTokens(tokens),
      { type: 'xstate.done.actor.validateIdToken', output: { iss: 'i', sub: 's', aud: 'cli' } },
      { type: 'CANCEL' },
    ]);
    expect(s.output).toEqual({ status: 'cancelled' });
  });
});
