import { describe, expect, it } from 'vitest';
import { apiKeyMachine } from '../../machines/api-key.js';
import { loginUrlMachine } from '../../machines/login-url.js';
import { graphCoverage } from '../helpers/graph-coverage.js';
import { apiKeyEvents, loginUrlEvents } from './events.js';

describe('generated paths', () => {
  it('reach every state and take every transition of the login-url machine', () => {
    const coverage = graphCoverage(
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
});
