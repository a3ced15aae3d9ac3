import { pathToFileURL } from 'node:url';

// What every section of npm run bench shares: A B A B rounds (the peer and ours alternate, so a slow
// moment of the machine falls on both), their median and range, and one row shape for docs/benchmarks.md.

const sorted = (xs) => [...xs].sort((a, b) => a - b);

/** The median, minimum and maximum of `xs`. */
export function summary(xs) {
  const s = sorted(xs);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], n: s.length };
}

/**
 * `rounds` rounds of `a()` then `b()`, each returning a number (ms, bytes, ...); the summaries of both
 * and of the per-round ratio b/a.
 */
export async function alternate(rounds, a, b) {
  const as = [];
  const bs = [];
  for (let i = 0; i < rounds; i += 1) {
    as.push(await a(i));
    bs.push(await b(i));
  }
  return { a: summary(as), b: summary(bs), ratio: summary(bs.map((x, i) => x / as[i])) };
}

/** Milliseconds `fn` took. */
export async function ms(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** CPU milliseconds (user + system) of this process while `fn` ran. */
export async function cpuMs(fn) {
  const start = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** `x` with `digits` decimals, and its range when `s` is a summary of several runs. */
export const show = (s, unit = '', digits = 1) =>
  typeof s === 'number'
    ? `${s.toFixed(digits)}${unit}`
    : `${s.median.toFixed(digits)}${unit} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)}, n=${s.n})`;

/**
 * One row of docs/benchmarks.md. `ratio` is ours over the baseline (lower is better unless `higher`);
 * `target`, when the issue set one, is the ratio or value to stay under (or over, with `higher`);
 * `digits` the decimals shown.
 */
export function row({ what, baseline, measured, ratio, target, higher = false, unit = '×', digits = 2 }) {
  const value = typeof ratio === 'number' ? ratio : ratio.median;
  let verdict = '';
  if (target !== undefined) verdict = (higher ? value >= target : value <= target) ? 'met' : '**not met**';
  return {
    what,
    baseline,
    measured,
    ratio: typeof ratio === 'number' ? `${ratio.toFixed(digits)}${unit}` : show(ratio, unit, digits),
    target: target === undefined ? '' : `${higher ? '≥' : '≤'} ${target}${unit}`,
    verdict,
  };
}

/** Rows as a markdown table, a `|` inside a cell escaped: docs/benchmarks.md and each section run alone. */
export function table(rows) {
  const cell = (text) => String(text).replaceAll('|', '\\|');
  return [
    '| what | baseline | measured | ratio | target | |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${[r.what, r.baseline, r.measured, r.ratio, r.target, r.verdict].map(cell).join(' | ')} |`),
  ].join('\n');
}

/** True when `url` (a section's `import.meta.url`) is the script node was started with. */
export const runDirectly = (url) => Boolean(process.argv[1]) && url === pathToFileURL(process.argv[1]).href;
