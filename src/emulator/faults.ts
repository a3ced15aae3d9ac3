/** Fault switches: make the emulator misbehave on purpose, for reliability and bad-input tests. */

/** One fault, applied to the next `times` requests whose path starts with `path`. */
export interface Fault {
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
}

export class FaultQueue {
  readonly #faults: Array<Fault & { remaining: number }> = [];

  add(fault: Fault): void {
    this.#faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** Takes the first fault that matches `path`, counting it down. */
  take(path: string): Fault | undefined {
    const index = this.#faults.findIndex((f) => f.remaining > 0 && path.startsWith(f.path ?? '/'));
    if (index < 0) return undefined;
    const fault = this.#faults[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }
}
