import { type AnyMachineSnapshot, type AnyStateMachine, type EventObject, initialTransition, transition } from 'xstate';
import { getAdjacencyMap, getShortestPaths, toDirectedGraph } from 'xstate/graph';

export interface Coverage {
  readonly states: { readonly all: string[]; readonly reached: string[] };
  readonly transitions: { readonly all: string[]; readonly taken: string[] };
  /** Every shortest path, replayed through `transition()`, ended where the graph said. */
  readonly replayed: number;
  /** Every reachable snapshot (one per vertex of the explored graph). */
  readonly snapshots: readonly AnyMachineSnapshot[];
}

/**
 * Explores `machine` with the given events (only those feasible in a state change anything) and
 * reports which states are reached and which transition definitions are taken, including
 * `xstate.done.actor.*`, `xstate.error.actor.*` and `xstate.after.*` edges.
 */
/** Context fields that only count or tick: two snapshots that differ only in them are the same vertex. */
const VOLATILE = new Set([
  'now',
  'polls',
  'refreshes',
  'intervalMs',
  'callbackDeadline',
  'deadline',
  'ignoredCallbacks',
]);

const serializeState = (snapshot: { value: unknown; context: unknown }) =>
  JSON.stringify({ value: snapshot.value, context: snapshot.context }, (key, value) =>
    VOLATILE.has(key) ? undefined : value,
  );

export function graphCoverage(machine: AnyStateMachine, input: unknown, events: readonly EventObject[]): Coverage {
  const graph = toDirectedGraph(machine);
  const labelOf = new Map<unknown, string>();
  const walk = (node: typeof graph) => {
    for (const edge of node.edges) {
      const guard = edge.transition.guard;
      const guardName = typeof guard === 'string' ? guard : ((guard as { type?: string } | undefined)?.type ?? '');
      labelOf.set(
        edge.transition,
        `${edge.source.key} --${edge.label.text}${guardName ? ` [${guardName}]` : ''}--> ${edge.target.key}`,
      );
    }
    for (const child of node.children) walk(child);
  };
  walk(graph);
  const allStates = graph.children.map((child) => child.stateNode.key);

  // A bounded traversal: a machine whose state space grows without end fails here, not hangs.
  const options = { input, events, serializeState: serializeState as never, limit: 20_000 };
  const paths = getShortestPaths(machine, options);
  let replayed = 0;
  const reached = new Set<string>();
  for (const path of paths) {
    let snapshot = initialTransition(machine, input)[0];
    for (const step of path.steps.slice(1)) snapshot = transition(machine, snapshot, step.event)[0];
    if (JSON.stringify(snapshot.value) !== JSON.stringify(path.state.value)) {
      throw new Error(`path to ${JSON.stringify(path.state.value)} replayed to ${JSON.stringify(snapshot.value)}`);
    }
    replayed += 1;
    reached.add(String(path.state.value));
  }

  const taken = new Set<string>();
  const adjacency = getAdjacencyMap(machine, options);
  for (const { state } of Object.values(adjacency)) {
    for (const event of events) {
      for (const definition of machine.getTransitionData(state as never, event as never)) {
        const label = labelOf.get(definition);
        if (label) taken.add(label);
      }
    }
  }
  return {
    states: { all: allStates.sort(), reached: [...reached].sort() },
    transitions: { all: [...labelOf.values()].sort(), taken: [...taken].sort() },
    replayed,
    snapshots: Object.values(adjacency).map(({ state }) => state as AnyMachineSnapshot),
  };
}

/**
 * Coverage over both settings of `ignoreStrayCallbacks`: a stray callback fails the flow (browser) or
 * is ignored (loopback), and each transition is taken under one of them.
 */
export const bothWays = (
  machine: Parameters<typeof graphCoverage>[0],
  input: object,
  events: Parameters<typeof graphCoverage>[2],
) => {
  const strict = graphCoverage(machine, input, events);
  const lenient = graphCoverage(machine, { ...input, ignoreStrayCallbacks: true }, events);
  return {
    ...strict,
    states: {
      all: strict.states.all,
      reached: [...new Set([...strict.states.reached, ...lenient.states.reached])].sort(),
    },
    transitions: {
      all: strict.transitions.all,
      taken: [...new Set([...strict.transitions.taken, ...lenient.transitions.taken])].sort(),
    },
  };
};
