/** `cdf-auth diagram`: print a machine as mermaid, dot, svg, json or xstate (for Stately's tools). */
import { machinesByName as machines } from '../../../machines/index.js';
import { type DiagramFormat, renderDiagram } from '../../viz/diagram.js';
import { type CommandContext, text } from '../context.js';
import { UsageError } from '../exit-codes.js';

export async function diagram(ctx: CommandContext): Promise<void> {
  const name = ctx.positionals[0];
  const machine = name && Object.hasOwn(machines, name) ? machines[name as keyof typeof machines] : undefined;
  if (!machine) {
    const known = Object.keys(machines).join(', ');
    throw new UsageError(
      name ? `Unknown machine "${name.slice(0, 40)}"; the machines: ${known}.` : `Name a machine: ${known}.`,
    );
  }
  const format = text(ctx, 'format') ?? 'mermaid';
  if (format === 'svg') {
    // Graphviz as WebAssembly, in this process (an optional peer dependency): nothing is fetched.
    const { renderSvg } = await import('../../viz/live-page.js');
    ctx.out(`${(await renderSvg(machine)).trimEnd()}\n`);
    return;
  }
  if (!['mermaid', 'dot', 'json', 'xstate'].includes(format))
    throw new UsageError('--format is mermaid, dot, svg, json or xstate.');
  ctx.out(renderDiagram(machine, format as DiagramFormat));
}
