/** What the tests of the public entries (test/entries/) share. */
import { expect } from 'vitest';

/**
 * An entry's public surface is pinned: it exports exactly `names` (sorted), and each of them is defined, so
 * that a change of the surface is a visible diff in review.
 */
export function pinnedNames(entry: object, names: readonly string[]): void {
  expect(Object.keys(entry).sort()).toEqual(names);
  for (const [name, value] of Object.entries(entry)) expect(value, name).toBeDefined();
}
