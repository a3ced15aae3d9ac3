/**
 * API-key sign-in (legacy service accounts): verify the key at `/login/status`, then use it.
 *
 * The key itself never enters the machine: the driver holds it and closes over it in the
 * `verifyApiKey` actor, so no snapshot or inspection event can carry it.
 */
import { assign, setup } from 'xstate';
import type { MachineTypes } from './shared/contract.js';
import { type Failure, failOnError, failOnTimeout } from './shared/failure.js';
import { notProvided } from './shared/not-provided.js';

/** The answer of `/login/status` for an API key, as the driver fetched it. */
export interface ApiKeyStatus {
  /** `false` when CDF does not accept the key (unknown, revoked, retired). */
  readonly loggedIn: boolean;
  /** The service account the key belongs to. */
  readonly user: string;
  /** The project the key belongs to. */
  readonly project: string;
  /** Its numeric id. */
  readonly projectId: number;
  /** The key's id at CDF, `null` where CDF did not say. */
  readonly apiKeyId: number | null;
}

/** What the machine is created with. */
export interface ApiKeyInput {
  /** The project the key must belong to (compared without regard to case); `null` accepts any. */
  readonly project: string | null;
  /** How long verification may take, in ms. @default 15000 */
  readonly verifyTimeoutMs?: number;
}

/** Context of {@link apiKeyMachine}. */
export interface ApiKeyContext {
  /** The project the key must belong to; `null` accepts any. */
  readonly project: string | null;
  /** How long verification may take, in ms. */
  readonly verifyTimeoutMs: number;
  /** Who the key belongs to, once verified. */
  readonly identity: ApiKeyStatus | null;
  /** Why the last verification failed, else `null`. */
  readonly failure: Failure | null;
}

/** Events of {@link apiKeyMachine}. `START` verifies the key; `UNAUTHORIZED` reports a 401 from CDF on a later call. */
export type ApiKeyEvent =
  | {
      /** Verify the key. */
      readonly type: 'START';
    }
  | {
      /** CDF answered 401 to a call with the key. */
      readonly type: 'UNAUTHORIZED';
    }
  | {
      /** Verify again after a failure or a rejection. */
      readonly type: 'RETRY';
    }
  | {
      /** End the flow. */
      readonly type: 'CANCEL';
    };

/**
 * Who the key belongs to, while the machine rests in `ready`: read it with {@link apiKeyOutput}. The
 * machine does not end there (a later 401 moves it to `rejected`), so this is not an XState output.
 */
export interface ApiKeyOutput {
  /** The key's service account and project, as `/login/status` said. */
  readonly identity: ApiKeyStatus;
}

/** The {@link ApiKeyOutput} of a snapshot resting in `ready`, else `null`. */
export function apiKeyOutput(snapshot: {
  matches(state: 'ready'): boolean;
  readonly context: ApiKeyContext;
}): ApiKeyOutput | null {
  return snapshot.matches('ready') && snapshot.context.identity ? { identity: snapshot.context.identity } : null;
}

/**
 * The API-key flow as a state machine: `idle -> verifying -> ready | rejected | failed`, a later 401
 * moves `ready -> rejected`, RETRY verifies again, CANCEL ends it.
 *
 * Drivers provide the actor `verifyApiKey` (resolves to an {@link ApiKeyStatus}; a 401 is
 * `loggedIn: false`, not an error).
 */
export const apiKeyMachine = setup({
  types: {} as MachineTypes<ApiKeyContext, ApiKeyEvent, ApiKeyInput>,
  actors: {
    verifyApiKey: notProvided<ApiKeyStatus, void>('verifyApiKey'),
  },
  delays: {
    verifyTimeout: ({ context }) => context.verifyTimeoutMs,
  },
  guards: {
    isNotLoggedIn: (_, status: ApiKeyStatus) => !status.loggedIn,
    isOtherProject: ({ context }, status: ApiKeyStatus) =>
      context.project !== null && status.project.toLowerCase() !== context.project.toLowerCase(),
  },
  actions: {
    fail: assign((_, failure: Failure) => ({ failure, identity: null })),
  },
}).createMachine({
  id: 'apiKey',
  context: ({ input }) => ({
    project: input.project,
    verifyTimeoutMs: input.verifyTimeoutMs ?? 15_000,
    identity: null,
    failure: null,
  }),
  initial: 'idle',
  states: {
    idle: {
      on: { START: 'verifying', CANCEL: 'cancelled' },
    },
    verifying: {
      tags: ['busy'],
      entry: assign({ failure: null }),
      invoke: {
        id: 'verifyApiKey',
        src: 'verifyApiKey',
        onDone: [
          {
            guard: { type: 'isNotLoggedIn', params: ({ event }) => event.output },
            target: 'rejected',
            actions: {
              type: 'fail',
              params: {
                code: 'apiKeyRejected',
                message:
                  'CDF does not accept this API key (unknown, revoked or retired); use client credentials instead.',
              },
            },
          },
          {
            guard: { type: 'isOtherProject', params: ({ event }) => event.output },
            target: 'rejected',
            actions: {
              type: 'fail',
              params: ({ context }) => ({
                code: 'projectMismatch',
                message: `The API key belongs to another project than "${context.project}".`,
              }),
            },
          },
          { target: 'ready', actions: assign({ identity: ({ event }) => event.output }) },
        ],
        onError: failOnError('network'),
      },
      after: {
        verifyTimeout: failOnTimeout('CDF did not verify the API key in time; try again.'),
      },
      on: { CANCEL: 'cancelled' },
    },
    ready: {
      on: {
        UNAUTHORIZED: {
          target: 'rejected',
          actions: {
            type: 'fail',
            params: { code: 'apiKeyRejected', message: 'CDF stopped accepting this API key (revoked or expired).' },
          },
        },
        CANCEL: 'cancelled',
      },
    },
    rejected: {
      on: { RETRY: 'verifying', CANCEL: 'cancelled' },
    },
    failed: {
      on: { RETRY: 'verifying', CANCEL: 'cancelled' },
    },
    cancelled: { type: 'final', entry: assign({ identity: null }) },
  },
});
