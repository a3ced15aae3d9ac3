/**
 * The one clock rule. A machine keeps absolute deadlines (ms since the epoch) in its context and knows
 * the time only from its events, so a state entered after an actor finished would measure its timer
 * from the last event's `now`. A running flow measures the delay to a deadline against the clock when
 * the state is entered instead: every flow provides its deadline delays through this function.
 */
export const untilDeadline =
  <TKey extends string>(key: TKey) =>
  ({ context }: { context: { readonly [K in TKey]: number | null } }): number =>
    Math.max(0, (context[key] ?? 0) - Date.now());
