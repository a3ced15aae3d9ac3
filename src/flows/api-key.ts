/**
 * The API-key flow: its machine with its effect, for every driver. The key stays in this closure: it
 * never enters the machine's context, events or snapshots.
 */
import { fromPromise } from 'xstate';
import { type ApiKeyStatus, apiKeyMachine } from '../../machines/api-key.js';
import type { CdfClient } from '../protocol/cdf.js';

/** The API-key machine with real effects: `/login/status` with the key. */
export function apiKeyFlow(options: { readonly cdf: CdfClient; readonly apiKey: string }) {
  return apiKeyMachine.provide({
    actors: {
      verifyApiKey: fromPromise<ApiKeyStatus, void>(({ signal }) =>
        options.cdf.getLoginStatus({ apiKey: options.apiKey }, { signal }),
      ),
    },
  });
}
