/**
 * `cdf-authflow/machines` as code that brings its own effects imports it: by the package name, which
 * resolves through package.json `exports` to the build in dist/ (run `npm run build` first). Its exported
 * names are pinned here (PUBLIC_NAMES, at the end), so that a change of the public surface is a visible
 * diff in review.
 */
import type { Inspection, TokenSet } from 'cdf-authflow';
import * as entry from 'cdf-authflow/machines';
import { clientCredentialsMachine, machinesByName } from 'cdf-authflow/machines';
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, toPromise } from 'xstate';
import { pinnedNames } from '../helpers/entries.js';

describe('the cdf-authflow/machines entry', () => {
  it('exports exactly these names, each of them defined', () => {
    pinnedNames(entry, PUBLIC_NAMES);
    expect(Object.keys(machinesByName).sort()).toEqual([
      'api-key',
      'authorization-code',
      'client-credentials',
      'device-code',
      'login-url',
      'session',
    ]);
  });

  it('a machine given its actors with provide() runs to its signed-in output', async () => {
    const tokens: TokenSet = { accessToken: 'at', tokenType: 'Bearer', expiresAt: 3_600_000 };
    const actor = createActor(
      clientCredentialsMachine.provide({
        actors: {
          requestToken: fromPromise(async (): Promise<TokenSet> => tokens),
          inspectToken: fromPromise(async (): Promise<Inspection> => ({ subject: 'svc', projects: ['demo'] })),
        },
      }),
      { input: { clientId: 'svc', scope: 's', project: 'demo' } },
    ).start();
    actor.send({ type: 'START' });
    expect(await toPromise(actor)).toEqual({
      status: 'signedIn',
      credential: { tokens, inspection: { subject: 'svc', projects: ['demo'] } },
    });
  });
});

/** Every name the entry exports, sorted (pinned by the first test above). */
const PUBLIC_NAMES = [
  'DEFAULT_LEEWAY_MS',
  'FAILURE_CODES',
  'apiKeyMachine',
  'authorizationCodeMachine',
  'clientCredentialsMachine',
  'defaultAuthorizationCodeTimeouts',
  'defaultLoginUrlTimeouts',
  'deviceCodeMachine',
  'isFailureCode',
  'isFresh',
  'loginUrlMachine',
  'machinesByName',
  'sessionMachine',
  'toFailure',
];
