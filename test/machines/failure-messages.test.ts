/** A failure's message says what happened: the project, the unreadable reason, the IdP's error code. */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { loginUrlMachine } from '../../machines/login-url.js';
import { step } from '../helpers/step.js';

describe('failure messages say what happened', () => {
  it('login-url: the unreadable reason and the IdP error code appear, the project name too', () => {
    const base = initialTransition(loginUrlMachine, { project: 'demo', redirectUrl: 'http://x/cb' })[0];
    const started = transition(loginUrlMachine, base, { type: 'START', flowId: 'f', now: 0 })[0];
    const noIdp = step(loginUrlMachine, started, {
      type: 'xstate.done.actor.fetchLoginUrl',
      output: null,
    });
    expect(noIdp.context.failure?.message).toContain('"demo"');
    const waiting = step(loginUrlMachine, started, {
      type: 'xstate.done.actor.fetchLoginUrl',
      output: 'http://l',
    });
    const invalid = transition(loginUrlMachine, waiting, {
      type: 'CALLBACK',
      callback: { kind: 'invalid', reason: 'not a URL' },
    })[0];
    expect(invalid.context.failure?.message).toContain('(not a URL)');
    const denied = transition(loginUrlMachine, waiting, {
      type: 'CALLBACK',
      callback: { kind: 'error', flowId: 'f', error: 'access_denied' },
    })[0];
    expect(denied.context.failure?.message).toContain('(access_denied)');
  });
});
