import yoctoSpinner from 'yocto-spinner';
import type { FlowTransition } from '../drivers/node/run-flow.js';

/**
 * A spinner on stderr while a flow waits for the person (only on a terminal), and one line per
 * transition with `--verbose`. Lines hold state and event names only.
 */
export function progressReporter(options: { readonly verbose: boolean; readonly stream?: NodeJS.WriteStream }) {
  const stream = options.stream ?? process.stderr;
  let spinner: ReturnType<typeof yoctoSpinner> | undefined;
  return {
    onTransition(t: FlowTransition) {
      spinner?.stop();
      spinner = undefined;
      if (options.verbose) stream.write(`${formatTransition(t)}\n`);
      // From awaitingCallback on: the opener has printed the URL by then, on lines the spinner must not clear.
      if (stream.isTTY && t.to === 'awaitingCallback') {
        spinner = yoctoSpinner({ text: 'Waiting for the sign-in in the browser…', stream }).start();
      }
    },
    stop() {
      spinner?.stop();
      spinner = undefined;
    },
  };
}

/** `loginUrl  fetchingLoginUrl -> redirectingToIdp  (done fetchLoginUrl)`. */
export function formatTransition(t: FlowTransition): string {
  const event = t.event
    .replace(/^xstate\.(done|error)\.actor\./, '$1 ')
    .replace(/^xstate\.after\.([^.]+)\..*$/, 'after $1');
  const failure = t.failure ? `  ${t.failure.code}: ${t.failure.message}` : '';
  return `  ${t.machine.padEnd(17)} ${t.from.padEnd(17)} -> ${t.to.padEnd(17)} (${event})${failure}`;
}
