/**
 * API-key sign-in (legacy service accounts): verify the key at `/login/status`, then use it.
 *
 * The key itself never enters the machine: the driver holds it and closes over it in the
 * `verifyApiKey` actor, so no snapshot or inspection event can carry it.
 */
import { assign, setup } from 'xstate';
import type { MachineTypes } from './shared/contract.js';
import { type Failure, failOnError, failOnTimeout, failWhen } from './shared/failure.js';
import { notProvided } from './shared/not-provided.js';
import { ENDINGS, type FlowOutput, type FlowProgress, failureAt, flowOutput } from './shared/outcome.js';

/** What a failure or a cancel forgets: the flow's secrets. */
const FORGOTTEN = { identity: null } as const;

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
export interface ApiKeyContext extends FlowProgress {
  /** The project the key must belong to; `null` accepts any. */
  readonly project: string | null;
  /** How long verification may take, in ms. */
  readonly verifyTimeoutMs: number;
  /** Who the key belongs to, once verified. */
  readonly identity: ApiKeyStatus | null;
}

/** Events of {@link apiKeyMachine}. `START` verifies the key. */
export type ApiKeyEvent =
  | {
      /** Verify the key. */
      readonly type: 'START';
    }
  | {
      /** End the flow. */
      readonly type: 'CANCEL';
    };

/** What the machine ends with: signed in as the key's {@link ApiKeyStatus}, failed, or cancelled. */
export type ApiKeyOutput = FlowOutput<ApiKeyStatus>;

/**
 * The API-key flow as a state machine: `idle -> verifying -> authenticated`, or `failed` (the key refused,
 * another project, an error) or `cancelled`: all three final. A 401 on a later call is the session's
 * business (`reauthRequired`), not this flow's.
 *
 * Drivers provide the actor `verifyApiKey` (resolves to an {@link ApiKeyStatus}; a 401 is
 * `loggedIn: false`, not an error).
 */
export const apiKeyMachine = setup({
  types: {} as MachineTypes<ApiKeyContext, ApiKeyEvent, ApiKeyInput, ApiKeyOutput>,
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
    fail: assign(({ context, event }, failure: Failure) => ({
      failure: failureAt(context, failure, event),
      ...FORGOTTEN,
    })),
    forget: assign(FORGOTTEN),
    enterStep: assign((_, step: string) => ({ step })),
  },
}).createMachine({
  id: 'apiKey',
  context: ({ input }) => ({
    project: input.project,
    verifyTimeoutMs: input.verifyTimeoutMs ?? 15_000,
    identity: null,
    step: 'idle',
    failure: null,
  }),
  initial: 'idle',
  output: flowOutput<ApiKeyContext, ApiKeyStatus>((context) => context.identity),
  states: {
    idle: {
      on: { START: 'verifying', CANCEL: 'cancelled' },
    },
    verifying: {
      tags: ['busy'],
      entry: { type: 'enterStep', params: 'verifying' },
      invoke: {
        id: 'verifyApiKey',
        src: 'verifyApiKey',
        onDone: [
          failWhen('isNotLoggedIn', ({ event }: { event: { output: ApiKeyStatus } }) => event.output, {
            code: 'apiKeyRejected',
            message: 'CDF does not accept this API key (unknown, revoked or retired); use client credentials instead.',
          } satisfies Failure),
          failWhen(
            'isOtherProject',
            ({ event }: { event: { output: ApiKeyStatus } }) => event.output,
            ({ context }: { context: ApiKeyContext }): Failure => ({
              code: 'projectMismatch',
              message: `The API key belongs to another project than "${context.project}".`,
            }),
          ),
          { target: 'authenticated', actions: assign({ identity: ({ event }) => event.output }) },
        ],
        onError: failOnError('network'),
      },
      after: {
        verifyTimeout: failOnTimeout('CDF did not verify the API key in time; try again.'),
      },
      on: { CANCEL: 'cancelled' },
    },
    ...ENDINGS,
  },
});
