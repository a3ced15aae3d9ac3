/**
 * Every failure says where and why, by name only: the state it happened in, the event that led into
 * `failed`, and the guard that refused or the actor whose answer failed. Never a value from the event.
 */
import { describe, expect, it } from 'vitest';
import { apiKeyMachine } from '../../machines/api-key.js';
import { clientCredentialsMachine } from '../../machines/client-credentials.js';
import type { TokenSet } from '../../machines/shared/tokens.js';
import { whereItFailed } from '../../src/errors/auth-flow-error.js';
import { run } from '../helpers/step.js';

const tokens: TokenSet = { accessToken: 'at-secret', tokenType: 'Bearer', expiresAt: 100_000 };
const input = { clientId: 'svc', scope: 's', project: 'demo' };
const requested = { type: 'xstate.done.actor.requestToken', output: tokens };

describe('failures say where and why', () => {
  it("an actor's error: the state, the actor's error event and the actor", () => {
    const s = run(clientCredentialsMachine, input, [
      { type: 'START' },
      { type: 'xstate.error.actor.requestToken', error: { code: 'invalidGrant', message: 'no' } },
    ]);
    expect(s.output).toEqual({
      status: 'failed',
      failure: {
        code: 'invalidGrant',
        message: 'no',
        state: 'requesting',
        event: 'xstate.error.actor.requestToken',
        actor: 'requestToken',
      },
    });
    expect(whereItFailed(s.output?.status === 'failed' ? s.output.failure : {})).toBe(
      'in state requesting, on event xstate.error.actor.requestToken, actor requestToken',
    );
  });

  it("a guard's refusal of an actor's answer: the guard too, and nothing of the answer", () => {
    const s = run(clientCredentialsMachine, input, [
      { type: 'START' },
      requested,
      { type: 'xstate.done.actor.inspectToken', output: { subject: 'svc', projects: ['other'] } },
    ]);
    expect(s.output).toMatchObject({
      status: 'failed',
      failure: {
        code: 'projectMismatch',
        state: 'inspectingToken',
        event: 'xstate.done.actor.inspectToken',
        guard: 'isOtherProject',
        actor: 'inspectToken',
      },
    });
    expect(JSON.stringify(s.output)).not.toContain('at-secret');
  });

  it("a timer: the delayed event's name says which wait ran out", () => {
    const s = run(apiKeyMachine, { project: null }, [{ type: 'START' }]);
    const timer = Object.keys(
      (apiKeyMachine.config.states?.verifying as { after?: Record<string, unknown> } | undefined)?.after ?? {},
    )[0];
    const late = run(apiKeyMachine, { project: null }, [
      { type: 'START' },
      { type: `xstate.after.${timer}.${apiKeyMachine.id}.verifying` },
    ]);
    expect(s.value).toBe('verifying');
    // A timer names no actor: the failure has no `actor` key at all (not one holding undefined).
    expect(Object.keys(late.output?.status === 'failed' ? late.output.failure : {})).not.toContain('actor');
    expect(late.output).toMatchObject({
      status: 'failed',
      failure: { code: 'timeout', state: 'verifying', event: `xstate.after.${timer}.${apiKeyMachine.id}.verifying` },
    });
  });

  it('a failure from outside a machine says nothing of where', () => {
    expect(whereItFailed({})).toBeNull();
  });
});
