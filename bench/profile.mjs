// Where a flow's CPU goes, by package: V8's sampling profiler (node:inspector) over `n` sequential flows
// in this process, each sample's time given to the package (or Node's internal module) of the function
// that was running. For the rows that say which part of a cost is the floor (bench/peers.mjs).
import { Session } from 'node:inspector/promises';

/** The group a profile frame belongs to: an npm package, ours, a Node internal, or V8's own. */
function groupOf({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : 'native';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  if (url.includes('/dist/')) return 'cdf-authflow';
  if (url.startsWith('node:internal/deps/undici')) return 'undici (fetch)';
  if (url.startsWith('node:')) return 'node';
  return 'bench';
}

/**
 * Runs `flow()` `n` times under the sampling profiler (100 µs); the ms per flow of each group, without
 * V8's idle samples, and their total. `perFlow`: how many units one call of `flow` is (300 sign-ins asked
 * of the user agents at once), so that the figures are per unit.
 */
export async function profileOf(flow, n, perFlow = 1) {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    for (let i = 0; i < n; i += 1) await flow();
    const { profile } = await session.post('Profiler.stop');
    const spent = new Map();
    for (const [i, id] of profile.samples.entries()) {
      spent.set(id, (spent.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
    }
    const groups = new Map();
    for (const node of profile.nodes) {
      const group = groupOf(node.callFrame);
      if (group === '(idle)') continue;
      groups.set(group, (groups.get(group) ?? 0) + (spent.get(node.id) ?? 0) / 1000 / n / perFlow);
    }
    const total = [...groups.values()].reduce((sum, ms) => sum + ms, 0);
    return { groups, total };
  } finally {
    session.disconnect();
  }
}

/** The `count` largest groups of a profile as text: `xstate 1.27 ms (9 %), ...`. */
export function largest({ groups, total }, count) {
  return [...groups]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([group, ms]) => `${group} ${ms.toFixed(2)} ms (${((100 * ms) / total).toFixed(0)} %)`)
    .join(', ');
}
