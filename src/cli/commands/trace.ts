/** `cdf-auth trace FILE`: a `login --trace` file read back as a timeline, on the diagram, or as JSON. */
import { readFile } from 'node:fs/promises';
import { parseTrace, TraceFormatError, traceOnDiagram, traceTimeline } from '../../viz/trace.js';
import { type CommandContext, text } from '../context.js';
import { UsageError } from '../exit-codes.js';

/** Prints the trace in `--format` (text, mermaid or json). */
export async function trace(ctx: CommandContext): Promise<void> {
  const file = ctx.positionals[0];
  if (!file) throw new UsageError('Name the trace file: cdf-auth trace FILE (written by cdf-auth login --trace FILE).');
  const format = text(ctx, 'format') ?? 'text';
  if (!['text', 'mermaid', 'json'].includes(format)) throw new UsageError('--format is text, mermaid or json.');
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `Cannot read the trace file ${file} (${code ?? 'unreadable'}); name a file cdf-auth login --trace wrote.`,
    );
  }
  try {
    const lines = parseTrace(content);
    if (lines.length === 0) throw new TraceFormatError('The trace file is empty: the login wrote no state change.');
    if (format === 'json') ctx.out(`${JSON.stringify(lines, null, 2)}\n`);
    else ctx.out(format === 'mermaid' ? traceOnDiagram(lines) : traceTimeline(lines));
  } catch (error) {
    if (error instanceof TraceFormatError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}
