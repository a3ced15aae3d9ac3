/**
 * XState inspection events without secrets: the one place every driver (Node flows, the browser, the
 * server, the session, the CLI's `--trace`) passes its `inspect` observer through. A flow's context and
 * events hold tokens, codes, verifiers, nonces and keys; an inspection event also carries the live actor,
 * whose `getSnapshot()` would hand them out again, so the actor is replaced by a copy that answers only
 * names and a redacted snapshot.
 */
import type { ActorRefLike, AnyActorRef, InspectionEvent, Observer } from 'xstate';
import { redact } from './redact.js';

/** An observer of XState inspection events: `@statelyai/inspect`'s `inspector.inspect`, or a function. */
export type InspectObserver = ((event: InspectionEvent) => void) | Observer<InspectionEvent>;

/** How a driver reports its machines' inspection events. */
export interface InspectOptions {
  /**
   * Receives the XState inspection events of every actor the driver runs (the flow, its invoked actors,
   * the session), redacted: each token, code, verifier, nonce, state, key or secret reads `[redacted]`,
   * in events, context, output and the actor's snapshot. An `@statelyai/inspect` inspector's `inspect`
   * fits as it is.
   */
  readonly inspect?: InspectObserver;
  /**
   * Delivers the raw events instead, secrets and all. Only for a debugger on your own machine: never
   * for a log, a screen share or a file.
   */
  readonly unsafeUnredacted?: boolean;
}

/** The part of a snapshot an inspector reads: names, status and data, without methods or live children. */
interface PlainSnapshot {
  readonly status?: unknown;
  readonly value?: unknown;
  readonly context?: unknown;
  readonly output?: unknown;
  readonly error?: unknown;
  readonly children?: Readonly<Record<string, { readonly sessionId: string }>>;
}

/** A snapshot as plain data, with every secret redacted. */
export function redactSnapshot(snapshot: unknown): PlainSnapshot {
  const s = (snapshot ?? {}) as {
    status?: unknown;
    value?: unknown;
    context?: unknown;
    output?: unknown;
    error?: unknown;
    children?: Record<string, AnyActorRef | undefined>;
  };
  return {
    ...(s.status === undefined ? {} : { status: s.status }),
    ...(s.value === undefined ? {} : { value: s.value }),
    ...(s.context === undefined ? {} : { context: redact(s.context) }),
    ...(s.output === undefined ? {} : { output: redact(s.output) }),
    ...(s.error === undefined ? {} : { error: redact(s.error) }),
    ...(s.children
      ? {
          children: Object.fromEntries(
            Object.entries(s.children).flatMap(([id, child]) => (child ? [[id, { sessionId: child.sessionId }]] : [])),
          ),
        }
      : {}),
  };
}

/**
 * An actor as an inspector may see it: its id, session id, parent, machine definition (redacted, its
 * functions dropped) and a redacted snapshot.
 */
function redactedActor(ref: ActorRefLike): AnyActorRef {
  const actor = ref as Partial<AnyActorRef> & { logic?: { config?: unknown }; _parent?: ActorRefLike };
  const parent = actor._parent;
  return {
    id: actor.id,
    sessionId: actor.sessionId,
    // A definition holds names, but a literal `context` in it may hold values: redacted as well.
    logic: { config: redact(actor.logic?.config) },
    ...(parent ? { _parent: { sessionId: parent.sessionId } } : {}),
    getSnapshot: () => redactSnapshot(actor.getSnapshot?.()),
  } as unknown as AnyActorRef;
}

/**
 * A transition taken in a microstep, by name: its event, the states it leaves and enters, and the guard
 * that held (`null` for none). Its actions and the guard's params (functions, values) stay out.
 */
function transitionNames(transition: {
  readonly eventType: string;
  readonly source?: { readonly key?: string };
  readonly target?: ReadonlyArray<{ readonly key?: string }> | undefined;
  readonly guard?: unknown;
}) {
  const guard = transition.guard as { type?: unknown } | string | undefined;
  return {
    eventType: transition.eventType,
    source: transition.source?.key ?? null,
    target: (transition.target ?? []).map((state) => state.key ?? null),
    guard: typeof guard === 'string' ? guard : typeof guard?.type === 'string' ? guard.type : null,
  };
}

/**
 * One inspection event with every secret redacted (context, events, output, action params) and its actors
 * replaced by copies that answer only their names and a redacted snapshot.
 */
export function redactInspectionEvent(event: InspectionEvent): InspectionEvent {
  const base = { ...event, actorRef: redactedActor(event.actorRef) };
  switch (event.type) {
    case '@xstate.event':
      return {
        ...base,
        type: event.type,
        event: redact(event.event),
        sourceRef: event.sourceRef ? redactedActor(event.sourceRef) : undefined,
      };
    case '@xstate.snapshot':
    case '@xstate.microstep': {
      const redacted = { ...base, event: redact(event.event), snapshot: redactSnapshot(event.snapshot) as never };
      return (
        event.type === '@xstate.microstep'
          ? { ...redacted, type: event.type, _transitions: event._transitions.map(transitionNames) }
          : { ...redacted, type: event.type }
      ) as InspectionEvent;
    }
    case '@xstate.action':
      return { ...base, type: event.type, action: { type: event.action.type, params: redact(event.action.params) } };
    default:
      return base as InspectionEvent;
  }
}

/**
 * The `inspect` function to hand to `createActor`, from a driver's {@link InspectOptions}: redacting
 * unless `unsafeUnredacted`, and never throwing into the flow (an inspector's failure is its own).
 * `undefined` without an observer.
 */
export function inspectorFor(options: InspectOptions | undefined): ((event: InspectionEvent) => void) | undefined {
  const observer = options?.inspect;
  if (!observer) return undefined;
  const deliver = typeof observer === 'function' ? observer : (event: InspectionEvent) => observer.next?.(event);
  return (event) => {
    try {
      deliver(options.unsafeUnredacted === true ? event : redactInspectionEvent(event));
    } catch {
      // An inspector that throws must not end a sign-in.
    }
  };
}
