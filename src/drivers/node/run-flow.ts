/**
 * The part every Node flow shares: run an actor to its final output, report each transition
 * (redacted), turn `CANCEL` into the one cancellation path, and clean up whatever happens.
 */
import {
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type EventFromLogic,
  type InputFrom,
  type InspectionEvent,
  type OutputFrom,
  toPromise,
} from 'xstate';
import type { Failure } from '../../../machines/shared/failure.js';
import type { FlowOutput } from '../../../machines/shared/outcome.js';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { createFlowActor, type Flow } from '../../flows/flow.js';
import { type CdfClient, createCdfClient } from '../../protocol/cdf.js';
import type { HttpOptions } from '../../protocol/http.js';
import { redact } from '../../protocol/redact.js';
import { type InspectOptions, inspectorFor } from '../../protocol/redact-inspection.js';

/** One step of a flow, as drivers report it: names and a failure, never a token. */
export interface FlowTransition {
  /** The machine's id, e.g. `loginUrl`. */
  readonly machine: string;
  /** The state left, e.g. `awaitingCallback`. */
  readonly from: string;
  /** The state entered. */
  readonly to: string;
  /** The event type that caused it, e.g. `xstate.done.actor.fetchLoginUrl`. */
  readonly event: string;
  /** Set when `to` is `failed`. */
  readonly failure?: Failure;
}

/** Options every Node flow accepts: one shape for every way in. */
export interface FlowOptions extends InspectOptions {
  /** Aborting cancels the flow: requests are aborted, listeners closed, and the flow rejects with code `cancelled`. */
  readonly signal?: AbortSignal;
  /** Called on every state change, with redacted data. */
  readonly onTransition?: (transition: FlowTransition) => void;
  /** The deadline of each request (to CDF and to the IdP), ms: `timeout` after it. @default 15000 */
  readonly timeoutMs?: number;
  /**
   * The deadline of the whole sign-in, ms, the person's part included (the callback wait of the browser
   * flows): `timeout` after it. @default 5 minutes for the browser flows, none for the others
   */
  readonly totalTimeoutMs?: number;
  /** The `fetch` every request goes through (CDF and the IdP). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** How the flows' options reach each layer: the request deadline and `fetch` of the CDF and IdP clients, and the machines' waits. */
export function requestOptions(options: FlowOptions) {
  const perRequest = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  return {
    /** For `createCdfClient` and `createOidcClient`. */
    client: { ...perRequest, ...(options.fetch ? { fetch: options.fetch } : {}) },
    /**
     * A machine's own wait for one request: a backstop past the request's deadline, so that the request's
     * own timeout (which names the URL) is the one a person reads.
     */
    machineMs: options.timeoutMs === undefined ? undefined : options.timeoutMs * 2,
  };
}

/** The CDF client of a flow: its request deadline and `fetch` from the flow's options, its retries and body cap from `http`. */
export function cdfClientOf(
  options: FlowOptions & {
    readonly baseUrl: string;
    readonly appId?: string;
    readonly http?: Omit<HttpOptions, 'timeoutMs' | 'fetch'>;
  },
): CdfClient {
  return createCdfClient({
    baseUrl: options.baseUrl,
    ...options.http,
    ...requestOptions(options).client,
    ...(options.appId ? { appId: options.appId } : {}),
  });
}

/** A state value as one name: `awaitingCallback`, or `parent.child` (parallel regions joined by commas). */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  return Object.entries((value ?? {}) as Record<string, unknown>)
    .map(([key, inner]) => `${key}.${stateName(inner)}`)
    .join(',');
}

/**
 * Starts the flow's machine, sends `start`, and resolves with its output once it reaches a final state
 * (`signedIn`, `failed` or `cancelled`: xstate's `toPromise`). The actor is stopped afterwards, which
 * aborts whatever it still runs.
 */
export async function runFlow<TMachine extends AnyStateMachine>(
  flow: Flow<TMachine>,
  input: InputFrom<TMachine>,
  start: EventFromLogic<TMachine>,
  options: FlowOptions & { readonly onActor?: (actor: AnyActorRef) => void },
): Promise<OutputFrom<TMachine>> {
  if (options.signal?.aborted)
    throw new AuthFlowError({ code: 'cancelled', message: 'The flow was cancelled before it started.' });
  let lastEvent = 'xstate.init';
  const observe = inspectorFor(options);
  const report = options.onTransition;
  // xstate makes an inspection event of every event, snapshot and actor: only when someone reads them.
  const inspect =
    observe || report
      ? (inspection: InspectionEvent) => {
          if (inspection.type === '@xstate.event' && inspection.actorRef === actor) lastEvent = inspection.event.type;
          observe?.(inspection);
        }
      : undefined;
  const actor: AnyActorRef = createFlowActor(flow as Flow, { input, ...(inspect ? { inspect } : {}) });
  let previous = '';
  const subscription = actor.subscribe({
    next: (snapshot: AnyMachineSnapshot) => {
      if (!report) return;
      const now = stateName(snapshot.value);
      if (now === previous) return;
      const failure = (snapshot.context as { failure?: Failure | null }).failure;
      report({
        machine: flow.machine.id,
        from: previous || '(start)',
        to: now,
        event: lastEvent,
        ...(failure && now === 'failed' ? { failure: redact(failure) } : {}),
      });
      previous = now;
    },
    error: () => {},
  });
  const cancel = () => actor.send({ type: 'CANCEL' } as never);
  options.signal?.addEventListener('abort', cancel, { once: true });
  // The whole sign-in's deadline, a little past the machine's own waits so that theirs say what ran late.
  const total = options.totalTimeoutMs === undefined ? undefined : AbortSignal.timeout(options.totalTimeoutMs + 2_000);
  total?.addEventListener('abort', cancel, { once: true });
  try {
    const done = toPromise(actor);
    actor.start();
    options.onActor?.(actor);
    actor.send(start as EventFromLogic<AnyStateMachine>);
    const output = (await done) as OutputFrom<TMachine>;
    if (total?.aborted && (output as { status?: string } | undefined)?.status === 'cancelled') {
      throw new AuthFlowError({
        code: 'timeout',
        message: `The sign-in did not finish within ${options.totalTimeoutMs} ms (totalTimeoutMs).`,
      });
    }
    return output;
  } finally {
    options.signal?.removeEventListener('abort', cancel);
    total?.removeEventListener('abort', cancel);
    subscription.unsubscribe();
    actor.stop();
  }
}

/** The credential of a flow that signed in; otherwise throws the {@link AuthFlowError} of how it ended. */
export function signedIn<TCredential>(output: FlowOutput<TCredential>): TCredential {
  if (output.status === 'signedIn') return output.credential;
  throw new AuthFlowError(
    output.status === 'failed' ? output.failure : { code: 'cancelled', message: 'The flow was cancelled.' },
  );
}
