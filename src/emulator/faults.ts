/** Fault switches: make the emulator misbehave on purpose, for reliability and bad-input tests. */
import type { ServerResponse } from 'node:http';

/** One fault, applied to the next `times` requests whose path starts with `path`. */
export interface Fault {
  /**
   * Which server misbehaves: the CDF API, or the IdP (paths such as `/token` for the token endpoint and
   * `/device/auth` for device authorization). @default 'cdf'
   */
  readonly on?: 'cdf' | 'idp';
  /** Path prefix it applies to, e.g. `/login/status`. @default every path */
  readonly path?: string;
  /** How many matching requests it hits. @default 1 */
  readonly times?: number;
  /** Wait this long before answering (or before the fault's own answer). */
  readonly delayMs?: number;
  /** Never answer (until the emulator closes). */
  readonly stall?: boolean;
  /** Answer with this status instead of the real handler. */
  readonly status?: number;
  /** `Retry-After` header (seconds) with `status`. */
  readonly retryAfterSeconds?: number;
  /** Raw body with `status` (default: a CDF error envelope). */
  readonly body?: string | Buffer;
  /** Content type of `body`. @default 'application/json' */
  readonly contentType?: string;
  /** Send a 200 with a declared length, part of a JSON body, then reset the connection. */
  readonly reset?: boolean;
}

export class FaultQueue {
  readonly #faults: Array<Fault & { remaining: number }> = [];

  add(fault: Fault): void {
    this.#faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** Takes the first fault for server `on` that matches `path`, counting it down. */
  take(path: string, on: 'cdf' | 'idp' = 'cdf'): Fault | undefined {
    const index = this.#faults.findIndex(
      (f) => f.remaining > 0 && (f.on ?? 'cdf') === on && path.startsWith(f.path ?? '/'),
    );
    if (index < 0) return undefined;
    const fault = this.#faults[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }
}

/**
 * Plays `fault` on `res`: waits, stalls, resets or answers as it says. Resolves `true` when the fault
 * answered (or will never answer), `false` when the real handler should answer after the delay.
 */
export async function playFault(
  fault: Fault | undefined,
  res: ServerResponse,
  stalled: Set<ServerResponse>,
  envelope: (res: ServerResponse, status: number, message: string) => void,
): Promise<boolean> {
  if (!fault) return false;
  if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  if (fault.stall) {
    stalled.add(res);
    return true;
  }
  if (fault.reset) {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
    res.write('{"access_token":"');
    setTimeout(() => res.destroy(), 10);
    return true;
  }
  if (fault.status === undefined) return false;
  if (fault.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(fault.retryAfterSeconds));
  if (fault.body !== undefined) {
    res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'application/json' });
    res.end(fault.body);
  } else envelope(res, fault.status, 'Injected fault.');
  return true;
}
