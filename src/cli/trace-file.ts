/**
 * The file `login --trace FILE` writes: created or emptied with mode 0600, never through a symlink (a
 * trace holds no secret, but it says who signed in where and when), written one line at a time so that
 * a flow that dies still leaves what happened until then.
 */
import { closeSync, constants, fchmodSync, openSync, writeSync } from 'node:fs';
import type { InspectionEvent } from 'xstate';
import { traceRecorder } from '../viz/trace.js';
import { UsageError } from './exit-codes.js';

/** An open trace file: `inspect` for the flow's options, `close` when the command ends. */
export interface TraceFile {
  readonly inspect: (event: InspectionEvent) => void;
  readonly close: () => void;
}

/** Opens `path` for `--trace`; a path that cannot be written (or is a symlink) is a usage error naming it. */
export function openTraceFile(path: string): TraceFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    fchmodSync(fd, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ELOOP' ? 'it is a symbolic link' : (code ?? 'it cannot be written');
    throw new UsageError(`--trace ${path}: cannot write the trace there (${why}); name a plain file.`);
  }
  let open = true;
  const record = traceRecorder((line) => {
    if (open) writeSync(fd, line);
  });
  return {
    inspect: record,
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
