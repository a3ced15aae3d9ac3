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

/** The formats {@link renderDiagram} writes. */
export type DiagramFormat = 'mermaid' | 'dot' | 'json';

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
  const label = (t: MachineGraph['transitions'][number]) => (t.guard ? `${t.event} [${t.guard}]` : t.event);
  if (format === 'json') return `${JSON.stringify(graph, null, 2)}\n`;
  if (format === 'dot') {
    const lines = [`digraph ${graph.id} {`, '  rankdir=LR;', '  node [shape=box, style=rounded];'];
    lines.push('  __start [shape=point];', `  __start -> ${graph.initial};`);
    // Stable ids, so that a live page can light up a state in the SVG that Graphviz makes of this.
    for (const state of graph.states) {
      lines.push(`  ${state.id} [id="state-${state.id}"${state.final ? ', peripheries=2' : ''}];`);
    }
    // One edge per pair of states, naming every event that takes it: readable at a glance.
    const edges = new Map<string, Set<string>>();
    for (const t of graph.transitions) {
      const key = `${t.source} -> ${t.target}`;
      edges.set(key, (edges.get(key) ?? new Set()).add(t.event));
    }
    for (const [key, events] of edges) {
      lines.push(`  ${key} [label="${[...events].join('\\n').replaceAll('"', '\\"')}"];`);
    }
    lines.push('}');
    return `${lines.join('\n')}\n`;
  }
  const lines = ['stateDiagram-v2', `  [*] --> ${graph.initial}`];
  for (const t of graph.transitions) lines.push(`  ${t.source} --> ${t.target}: ${label(t).replaceAll(':', ' ')}`);
  for (const state of graph.states) if (state.final) lines.push(`  ${state.id} --> [*]`);
  return `${lines.join('\n')}\n`;
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
