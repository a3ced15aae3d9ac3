/**
 * The machines are provided once per module (src/flows/flow.ts): each run's actors must still reach that
 * run's effects, and only those, however many runs interleave.
 */

import { describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { clientCredentialsFlow } from '../../src/flows/client-credentials.js';
import { createFlowActor } from '../../src/flows/flow.js';
import type { OidcClient } from '../../src/protocol/oidc.js';

/** An OIDC client whose token names `who`, answering after `delayMs`; records who asked it. */
function clientOf(who: string, delayMs: number, asked: string[]): OidcClient {
  return {
    clientCredentials: async () => {
      asked.push(who);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { accessToken: `token-of-${who}`, tokenType: 'Bearer', expiresAt: Date.now() + 600_000 };
    },
  } as unknown as OidcClient;
}

describe('a flow provided once', () => {
  it('100 interleaved runs each use their own effects: every token comes from its own client, asked once', async () => {
    const asked: string[] = [];
    const runs = Array.from({ length: 100 }, (_, i) => {
      const who = `run-${i}`;
      // Later runs answer sooner: the runs finish in another order than they started.
      const flow = clientCredentialsFlow({
        oidc: clientOf(who, (100 - i) % 7, asked),
        cdf: async (accessToken) => ({ subject: accessToken, projects: ['demo'] }),
      });
      const actor = createFlowActor(flow, { input: { clientId: 'svc', scope: 's', project: 'demo' } });
      const done = toPromise(actor);
      actor.start();
      actor.send({ type: 'START' });
      return done.then((output) => ({ who, output }));
    });
    for (const { who, output } of await Promise.all(runs)) {
      expect(output.status).toBe('signedIn');
      if (output.status === 'signedIn') expect(output.credential.tokens.accessToken).toBe(`token-of-${who}`);
    }
    expect([...asked].sort()).toEqual(Array.from({ length: 100 }, (_, i) => `run-${i}`).sort());
  });

  it('an actor made with createActor instead of createFlowActor fails, saying how to make it', async () => {
    const flow = clientCredentialsFlow({
      oidc: clientOf('x', 0, []),
      cdf: async () => ({ subject: 's', projects: ['demo'] }),
    });
    const actor = createActor(flow.machine, { input: { clientId: 'svc', scope: 's' } });
    const done = toPromise(actor);
    actor.start();
    actor.send({ type: 'START' });
    const output = await done;
    expect(output.status).toBe('failed');
    expect(JSON.stringify(output)).toContain('createFlowActor');
  });
});
