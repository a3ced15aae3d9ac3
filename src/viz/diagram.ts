/**
 * Diagrams derived from the machine definitions (through `xstate/graph`), never drawn by hand, so that
 * they cannot drift from the code: Mermaid for Markdown, DOT for Graphviz, JSON for tools.
 */
import type { AnyStateMachine } from 'xstate';
import { type DirectedGraphNode, toDirectedGraph } from 'xstate/graph';

/** A machine as plain data: its states and every transition, with the guard that picks it. */
export interface MachineGraph {
  /** The machine's id. */
  readonly id: string;
  /** The initial state. */
  readonly initial: string;
  /** The top-level states. */
  readonly states: ReadonlyArray<{
    /** The state's name. */
    readonly id: string;
    /** Whether it is final. */
    readonly final: boolean;
    /** Its tags (`busy`, `waitingForUser`, `persistable`). */
    readonly tags: readonly string[];
  }>;
  /** Every transition between them. */
  readonly transitions: ReadonlyArray<{
    /** The state it leaves. */
    readonly source: string;
    /** The state it enters. */
    readonly target: string;
    /** The event, or XState's name of a timer or an actor's result. */
    readonly event: string;
    /** The guard's name, where it has one. */
    readonly guard?: string;
  }>;
}

/**
 * The formats {@link renderDiagram} writes: Mermaid, DOT (Graphviz), the graph as JSON, and `xstate`: the
 * machine's definition as XState code that Stately's tools import (Stately Studio: Import from code).
 */
export type DiagramFormat = 'mermaid' | 'dot' | 'json' | 'xstate';

/** Reads a machine into a {@link MachineGraph} (top-level states; the machines here are flat). */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const root = toDirectedGraph(machine);
  const local = (id: string) => id.slice(root.id.length + 1);
  const nodes: DirectedGraphNode[] = [];
  const collect = (node: DirectedGraphNode) => {
    for (const child of node.children) {
      nodes.push(child);
      collect(child);
    }
  };
  collect(root);
  return {
    id: root.id,
    initial: String(machine.root.config.initial ?? ''),
    states: nodes.map((node) => ({
      id: local(node.id),
      final: node.stateNode.type === 'final',
      tags: [...node.stateNode.tags],
    })),
    transitions: nodes.flatMap((node) =>
      node.edges.map((edge) => {
        const guard = guardName(edge.transition.guard);
        return {
          source: local(edge.source.id),
          target: local(edge.target.id),
          event: eventLabel(edge.label.text),
          ...(guard ? { guard } : {}),
        };
      }),
    ),
  };
}

/**
 * Renders a machine in `format`.
 *
 * @example
 * ```ts
 * console.log(renderDiagram(loginUrlMachine, 'mermaid'));
 * ```
 */
export function renderDiagram(machine: AnyStateMachine, format: DiagramFormat): string {
  const graph = machineGraph(machine);
  if (format === 'json') return `${JSON.stringify(graph, null, 2)}\n`;
  if (format === 'dot') return renderDot(graph);
  if (format === 'xstate') return renderXState(machine);
  const lines = ['stateDiagram-v2', `  [*] --> ${graph.initial}`];
  for (const t of graph.transitions) lines.push(`  ${t.source} --> ${t.target}: ${labelOf(t).replaceAll(':', ' ')}`);
  for (const state of graph.states) if (state.final) lines.push(`  ${state.id} --> [*]`);
  return `${lines.join('\n')}\n`;
}

type Transition = MachineGraph['transitions'][number];

const labelOf = (t: Transition) => (t.guard ? `${t.event} [${t.guard}]` : t.event);

/**
 * The happy path: the longest simple path from the initial state to the success end (`authenticated`),
 * so that a shortcut (a callback that wins the race with the navigation) does not hide the states the
 * flow normally passes through. The machines are small: a depth-first walk is enough.
 */
function happyPath(graph: MachineGraph): ReadonlySet<Transition> {
  const goal = graph.states.find((state) => state.final && !['failed', 'cancelled', 'loggedOut'].includes(state.id));
  let best: Transition[] = [];
  const walk = (at: string, seen: Set<string>, path: Transition[]) => {
    if (at === goal?.id) {
      if (path.length > best.length) best = [...path];
      return;
    }
    for (const t of graph.transitions) {
      if (t.source !== at || seen.has(t.target)) continue;
      seen.add(t.target);
      walk(t.target, seen, [...path, t]);
      seen.delete(t.target);
    }
  };
  if (goal) walk(graph.initial, new Set([graph.initial]), []);
  return new Set(best);
}

/** Names in lines of `perLine`, for a note. */
const wrapped = (names: readonly string[], perLine = 3) =>
  Array.from({ length: Math.ceil(names.length / perLine) }, (_, i) =>
    names.slice(i * perLine, i * perLine + perLine).join(', '),
  );

/**
 * DOT for Graphviz: the happy path first and heavier (laid out left to right in its order), every other
 * edge with its guard, and the two edges every working state has drawn once each as a note: CANCEL into
 * `cancelled`, and an effect's error or a timeout into `failed` (a guard's refusal keeps its own edge).
 */
function renderDot(graph: MachineGraph): string {
  const happy = happyPath(graph);
  const isCancel = (t: Transition) => t.event === 'CANCEL' && t.target === 'cancelled' && !t.guard;
  const isFault = (t: Transition) => t.target === 'failed' && !t.guard && /^(error|after) /.test(t.event);
  const cancels = [...new Set(graph.transitions.filter(isCancel).map((t) => t.source))];
  const faults = [...new Set(graph.transitions.filter(isFault).map((t) => t.source))];
  const quote = (text: string) => `"${text.replaceAll('"', '\\"')}"`;
  const lines = [`digraph ${graph.id} {`, '  rankdir=LR;', '  node [shape=box, style=rounded, fontsize=12];'];
  lines.push('  edge [fontsize=10];', '  __start [shape=point];', `  __start -> ${graph.initial} [weight=10];`);
  // Stable ids, so that a live page can light up a state in the SVG that Graphviz makes of this.
  for (const state of graph.states) {
    lines.push(`  ${state.id} [id="state-${state.id}"${state.final ? ', peripheries=2' : ''}];`);
  }
  // One edge per pair of states, naming every event (and guard) that takes it: readable at a glance.
  const edges = new Map<string, { labels: Set<string>; happy: boolean }>();
  for (const t of graph.transitions) {
    if ((cancels.length > 1 && isCancel(t)) || (faults.length > 1 && isFault(t))) continue;
    const key = `${t.source} -> ${t.target}`;
    const edge = edges.get(key) ?? { labels: new Set<string>(), happy: false };
    edges.set(key, { labels: edge.labels.add(labelOf(t)), happy: edge.happy || happy.has(t) });
  }
  for (const [key, edge] of edges) {
    const weight = edge.happy ? ', weight=10, penwidth=2' : ', weight=1';
    lines.push(`  ${key} [label=${quote([...edge.labels].join('\\n'))}${weight}];`);
  }
  if (cancels.length > 1) {
    const label = ['CANCEL from', ...wrapped(cancels)].join('\\n');
    lines.push(`  __cancel [shape=note, label=${quote(label)}];`, '  __cancel -> cancelled [style=dashed];');
  }
  if (faults.length > 1) {
    const label = ["an effect's error or a timeout in", ...wrapped(faults)].join('\\n');
    lines.push(`  __fault [shape=note, label=${quote(label)}];`, '  __fault -> failed [style=dashed];');
  }
  const ends = graph.states.filter((state) => ['failed', 'cancelled'].includes(state.id)).map((state) => state.id);
  if (ends.length) lines.push(`  { rank=sink; ${ends.join('; ')}; }`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/**
 * The machine's definition as XState code: the config as JSON (names of guards, actions, actors and
 * delays; their implementations are the library's and stay out, as do functions of the context).
 */
function renderXState(machine: AnyStateMachine): string {
  const config = JSON.stringify(machine.config, (_, value) => (typeof value === 'function' ? undefined : value), 2);
  return [
    `// The ${machine.id} machine of cdf-authflow, as Stately's tools import it (Stately Studio: Import from code).`,
    "import { createMachine } from 'xstate';",
    '',
    `export const ${machine.id}Machine = createMachine(${config});`,
    '',
  ].join('\n');
}

/** `xstate.done.actor.fetchLoginUrl` reads better as `done fetchLoginUrl`. */
function eventLabel(event: string): string {
  const match = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event);
  if (match) return `${match[1]} ${match[2]}`;
  const after = /^xstate\.after\.([^.]+)\./.exec(event);
  if (after) return `after ${after[1]}`;
  return event;
}

function guardName(guard: unknown): string | undefined {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && typeof (guard as { type?: unknown }).type === 'string') {
    return (guard as { type: string }).type;
  }
  return undefined;
}
