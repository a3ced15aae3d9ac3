/** Client credentials ask once and inspect once, then end: renewing is the session machine's job. */
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, toPromise } from 'xstate';
import { clientCredentialsMachine } from '../../machines/client-credentials.js';
import type { Inspection, TokenSet } from '../../machines/shared/tokens.js';

describe('client credentials end at sign-in', () => {
  it("one request, one inspection, then final: renewing is the session machine's job", async () => {
    let requests = 0;
    const actor = createActor(
      clientCredentialsMachine.provide({
        actors: {
          requestToken: fromPromise(async (): Promise<TokenSet> => {
            requests += 1;
            return { accessToken: 'a', tokenType: 'Bearer', expiresAt: 120_000 };
          }),
          inspectToken: fromPromise(async (): Promise<Inspection> => ({ subject: 'svc', projects: ['demo'] })),
        },
      }),
      { input: { clientId: 'c', scope: 's' } },
    ).start();
    actor.send({ type: 'START' });
    const output = await toPromise(actor);
    expect(requests).toBe(1);
    expect(output).toEqual({
      status: 'signedIn',
      credential: {
        tokens: { accessToken: 'a', tokenType: 'Bearer', expiresAt: 120_000 },
        inspection: { subject: 'svc', projects: ['demo'] },
      },
    });
  });
});
