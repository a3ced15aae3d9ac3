/**
 * A flow's trace: every state change as one JSON line (`cdf-auth login --trace FILE`), from the
 * redacted inspection events, and the trace read back as a timeline or drawn on the machine's diagram
 * (`cdf-auth trace FILE [--format mermaid]`). A line holds names, times and a failure's code and message:
 * never a value from an event or the context.
 */
import type { InspectionEvent } from 'xstate';
import { machinesByName } from '../../machines/index.js';
import type { Failure } from '../../machines/shared/failure.js';
import { stateName } from '../drivers/node/run-flow.js';
import { whereItFailed, whereOf } from '../errors/auth-flow-error.js';
import { renderDiagram } from './diagram.js';

/** One state change of one actor, as a trace line says it. */
export interface TraceLine {
  /** The format's version. */
  readonly v: 1;
  /** ms since the trace's first line. */
  readonly t: number;
  /** When, as an ISO time. */
  readonly at: string;
  /** The machine's id, e.g. `authorizationCode`. */
  readonly machine: string;
  /** The state left (`(start)` for the first). */
  readonly from: string;
  /** The state entered. */
  readonly to: string;
  /** The event's type that caused it. */
  readonly event: string;
  /** The guard that held for the transition taken, where it had one. */
  readonly guard?: string;
  /** When `to` is `failed`: the failure's code, message and where (all without secrets). */
  readonly failure?: Pick<Failure, 'code' | 'message' | 'state' | 'event' | 'guard' | 'actor'>;
}

/**
 * An `inspect` observer (for redacted events: pass it as a driver's `inspect`) that calls `write` with one
 * JSON line per state change of a machine actor (invoked promise actors have no states and are left out).
 */
export function traceRecorder(write: (line: string) => void, now: () => number = Date.now) {
  const previous = new Map<string, string>();
  let first: number | undefined;
  return (event: InspectionEvent): void => {
    if (event.type !== '@xstate.microstep') return;
    const snapshot = event.snapshot as { value?: unknown; context?: { failure?: Failure | null } };
    if (snapshot.value === undefined) return;
    const actor = event.actorRef as { sessionId: string; logic?: { config?: { id?: string; initial?: unknown } } };
    const to = stateName(snapshot.value);
    // Before its first step an actor is in its machine's initial state (`idle`).
    const initial = actor.logic?.config?.initial;
    const from = previous.get(actor.sessionId) ?? (typeof initial === 'string' ? initial : '(start)');
    previous.set(actor.sessionId, to);
    if (to === from && !event._transitions.length) return;
    const taken = (event._transitions as ReadonlyArray<{ guard?: unknown }>)[0];
    const guard = typeof taken?.guard === 'string' ? taken.guard : undefined;
    const at = now();
    first ??= at;
    const failure = to === 'failed' ? snapshot.context?.failure : undefined;
    const line: TraceLine = {
      v: 1,
      t: at - first,
      at: new Date(at).toISOString(),
      machine: actor.logic?.config?.id ?? actor.sessionId,
      from,
      to,
      event: event.event.type,
      ...(guard ? { guard } : {}),
      ...(failure ? { failure: failureFields(failure) } : {}),
    };
    write(`${JSON.stringify(line)}\n`);
  };
}

const failureFields = (failure: Failure): NonNullable<TraceLine['failure']> => ({
  code: failure.code,
  message: failure.message,
  ...whereOf(failure),
});

/** Thrown for a trace file that is not one `--trace` wrote; says which line. */
export class TraceFormatError extends Error {
  /** `TraceFormatError`. */
  override readonly name = 'TraceFormatError';
}

/** The lines of a trace file; a line that is not one of ours is a {@link TraceFormatError} naming it. */
export function parseTrace(text: string): TraceLine[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => {
      let value: Partial<TraceLine> | null = null;
      try {
        value = JSON.parse(line) as Partial<TraceLine>;
      } catch {}
      const known = ['machine', 'from', 'to', 'event'] as const;
      if (value?.v !== 1 || typeof value.t !== 'number' || known.some((key) => typeof value?.[key] !== 'string')) {
        throw new TraceFormatError(
          `Line ${number} is not a line of a cdf-auth trace (one JSON object per line, written by cdf-auth login --trace FILE).`,
        );
      }
      return value as TraceLine;
    });
}

/** The trace as a timeline a person reads: time, machine, transition, event, guard, and a failure's where. */
export function traceTimeline(lines: readonly TraceLine[]): string {
  const width = Math.max(0, ...lines.map((line) => String(line.t).length));
  return lines
    .map((line) => {
      const head = `+${String(line.t).padStart(width)} ms  ${line.machine}  ${line.from} -> ${line.to}  on ${line.event}`;
      const guard = line.guard ? ` [${line.guard}]` : '';
      const where = line.failure ? whereItFailed(line.failure) : null;
      const failure = line.failure
        ? `\n${' '.repeat(width + 6)}failed: ${line.failure.code}: ${line.failure.message}${where ? ` (${where})` : ''}`
        : '';
      return `${head}${guard}${failure}\n`;
    })
    .join('');
}

/** The machine's Mermaid diagram with the path the trace took marked: visited states, and a failed end. */
export function traceOnDiagram(lines: readonly TraceLine[]): string {
  const root = lines[0]?.machine;
  const machine = Object.values(machinesByName).find((candidate) => candidate.id === root);
  if (!machine) throw new TraceFormatError(`The trace names no machine this version knows ("${String(root)}").`);
  const mine = lines.filter((line) => line.machine === root);
  const visited = [...new Set(mine.flatMap((line) => [line.from, line.to]).filter((state) => state !== '(start)'))];
  const end = mine.at(-1)?.to;
  const path = mine
    .filter((line) => line.from !== '(start)')
    .map((line, index) => `  %% ${index + 1}. ${line.from} -> ${line.to} on ${line.event}`);
  return [
    renderDiagram(machine, 'mermaid').trimEnd(),
    '  classDef visited fill:#dbeafe,stroke:#1d4ed8,stroke-width:2px',
    '  classDef failedEnd fill:#fee2e2,stroke:#b91c1c,stroke-width:3px',
    '  classDef signedInEnd fill:#dcfce7,stroke:#15803d,stroke-width:3px',
    `  class ${visited.join(',')} visited`,
    ...(end === 'failed' ? ['  class failed failedEnd'] : []),
    ...(end === 'authenticated' ? ['  class authenticated signedInEnd'] : []),
    '  %% The path taken, in order:',
    ...path,
    '',
  ].join('\n');
}
