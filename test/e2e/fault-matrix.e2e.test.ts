/**
 * The fault matrix: every flow × every fault the emulator can play (on CDF and on its IdP) ends in
 * success or the typed failure below, never an untyped error or an unhandled rejection, and the
 * process that ran them exits by itself afterwards: no timer, socket or listener is left open.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

const runner = path.resolve(import.meta.dirname, '../fixtures/fault-matrix.mjs');
const CDF_FLOWS = new Set(['login URL', 'API key', 'token/inspect']);

/** What each fault must end in: CDF answers HTML as "not a CDF cluster"; an IdP's HTML is server trouble. */
const expected = (flow: string, fault: string): string =>
  ({
    'slow 2 s': 'ok',
    '5xx': 'http',
    '429 + Retry-After': 'ok',
    'reset mid-body': 'network',
    'truncated JSON': 'invalidResponse',
    HTML: CDF_FLOWS.has(flow) ? 'invalidResponse' : 'http',
    '10 MB body': 'invalidResponse',
    stall: 'timeout',
    'connection refused': 'network',
  })[fault] ?? 'unknown fault';

it('every flow under every fault ends typed, and the process exits by itself afterwards', {
  timeout: 240_000,
}, async () => {
  const child = spawn(process.execPath, [runner], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  // Killed only if it does not exit by itself within the test's own bound.
  const killer = setTimeout(() => child.kill('SIGKILL'), 230_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(killer);
  const lines = out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const last = lines.at(-1);
  expect(last).toEqual({ done: true, unhandled: 0 });
  expect(code).toBe(0);
  const cases = lines.slice(0, -1) as Array<{ flow: string; fault: string; outcome: string }>;
  expect(cases).toHaveLength(7 * 9);
  const wrong = cases.filter((c) => c.outcome !== expected(c.flow, c.fault));
  expect(wrong).toEqual([]);
});
