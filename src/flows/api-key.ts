/**
 * The API-key flow: its machine with its effect, for every driver. The key stays in the run's effects: it
 * never enters the machine's context, events or snapshots.
 */
import { type ApiKeyStatus, apiKeyMachine } from '../../machines/api-key.js';
import type { CdfClient } from '../protocol/cdf.js';
import { effect, type Flow } from './flow.js';

/** What one API-key run's actor uses: the key, which never enters the machine. */
export interface ApiKeyEffects {
  readonly cdf: CdfClient;
  readonly apiKey: string;
}

const machine = apiKeyMachine.provide({
  actors: {
    verifyApiKey: effect<ApiKeyEffects>()<ApiKeyStatus, void>((fx, _input, signal) =>
      fx.cdf.getLoginStatus({ apiKey: fx.apiKey }, { signal }),
    ),
  },
});

/** The API-key machine with real effects: `/login/status` with the key. */
export function apiKeyFlow(effects: ApiKeyEffects): Flow<typeof machine, ApiKeyEffects> {
  return { machine, effects };
}
