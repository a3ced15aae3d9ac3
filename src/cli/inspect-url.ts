/**
 * `login --inspect URL`: the flow's inspection events, redacted, to Stately's inspector over a WebSocket
 * (`@statelyai/inspect`, an optional peer dependency, loaded only for this flag). Run its bridge first:
 * `node -e "import('@statelyai/inspect/server').then((m) => m.createInspectorServer())"`, then
 * `cdf-auth login ... --inspect ws://localhost:8080`.
 */
import { connect } from 'node:net';
import type { InspectionEvent } from 'xstate';
import { UsageError } from './exit-codes.js';

/** How long the command waits at its end for the inspector to connect and take the last events, ms. */
const DRAIN_MS = 3_000;

/** A connected inspector: `inspect` for the flow's options, `close` at the command's end (waits for delivery). */
export interface InspectorConnection {
  readonly inspect: (event: InspectionEvent) => void;
  readonly close: (warn: (text: string) => void) => Promise<void>;
}

/** The part of `@statelyai/inspect`'s WebSocket inspector used here. */
interface StatelyInspector {
  readonly inspect: { readonly next?: (event: InspectionEvent) => void };
  readonly stop: () => void;
  readonly adapter?: { readonly status?: string; readonly ws?: { readonly bufferedAmount?: number } };
}

/** Whether something accepts a TCP connection at the URL's host and port within a few seconds. */
function listening(url: URL): Promise<boolean> {
  const port = Number(url.port || (url.protocol === 'wss:' ? 443 : 80));
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port, timeout: DRAIN_MS });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** Connects to the inspector at `url` (`ws:` or `wss:`); a wrong URL or a missing package is a usage error. */
export async function connectInspector(url: string): Promise<InspectorConnection> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL('invalid:');
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new UsageError(
      `--inspect takes the WebSocket URL of a Stately inspector, e.g. ws://localhost:8080 (got "${url.slice(0, 80)}").`,
    );
  }
  let stately: { createWebSocketInspector: (options: { url: string }) => StatelyInspector };
  try {
    stately = (await import('@statelyai/inspect')) as unknown as typeof stately;
  } catch {
    throw new UsageError('--inspect needs the optional package @statelyai/inspect: npm install @statelyai/inspect');
  }
  // Nothing listening would leave the inspector retrying for ever after the command ended: ask first.
  if (!(await listening(parsed))) {
    throw new UsageError(
      `--inspect ${parsed.href}: nothing listens there. Start the inspector first: node -e "import('@statelyai/inspect/server').then((m) => m.createInspectorServer())"`,
    );
  }
  const inspector = stately.createWebSocketInspector({ url: parsed.href });
  return {
    inspect: (event) => inspector.inspect.next?.(event),
    async close(warn) {
      const deadline = Date.now() + DRAIN_MS;
      const sent = () => inspector.adapter?.status === 'open' && (inspector.adapter.ws?.bufferedAmount ?? 0) === 0;
      // The inspector converts events on the next turn and sends once connected: give it that, within a bound.
      do await new Promise((resolve) => setTimeout(resolve, 50));
      while (!sent() && Date.now() < deadline);
      if (inspector.adapter?.status !== 'open')
        warn(`cdf-auth: the inspector at ${parsed.href} did not connect; its events were not delivered.\n`);
      inspector.stop();
    },
  };
}
