/**
 * The pending browser flow while the page is at the IdP: a versioned, persisted XState snapshot in
 * `sessionStorage` (one tab, gone with it). It is read by parsing, never by matching text, and anything
 * unreadable counts as no pending flow.
 */
import type { FlowName } from '../config/settings.js';

/** The storage the pending flow lives in (`sessionStorage` or a stand-in). */
export type FlowStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** The browser flows, which can be pending. */
const PENDING_FLOW_NAMES = ['login-url', 'authorization-code'] as const satisfies readonly FlowName[];

/** A browser flow, which can be pending. */
export type PendingFlowName = (typeof PENDING_FLOW_NAMES)[number];

/** What storage holds: which flow, and its snapshot when the record is of this version. */
export interface PendingFlow {
  readonly flow: PendingFlowName;
  /** `null` when the record is of another version or carries no snapshot: it cannot be resumed. */
  readonly snapshot: object | null;
}

const KEY = 'cdf-authflow:pending';
const VERSION = 1;

/** Persists the snapshot of the flow that is about to leave the page. */
export function savePendingFlow(storage: FlowStorage, flow: PendingFlowName, snapshot: unknown): void {
  storage.setItem(KEY, JSON.stringify({ v: VERSION, machine: flow, snapshot }));
}

/** The pending flow, or `null` when there is none or the record is not one of ours. */
export function readPendingFlow(storage: FlowStorage): PendingFlow | null {
  const raw = storage.getItem(KEY);
  if (raw === null) return null;
  let record: { v?: unknown; machine?: unknown; snapshot?: unknown } | null;
  try {
    record = JSON.parse(raw);
  } catch {
    return null;
  }
  const flow = PENDING_FLOW_NAMES.find((name) => name === record?.machine);
  if (!flow || !record) return null;
  const resumable = record.v === VERSION && typeof record.snapshot === 'object' && record.snapshot !== null;
  return { flow, snapshot: resumable ? (record.snapshot as object) : null };
}

/** Forgets the pending flow. */
export function clearPendingFlow(storage: FlowStorage): void {
  storage.removeItem(KEY);
}
