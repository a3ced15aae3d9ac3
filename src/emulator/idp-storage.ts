/**
 * Where the emulator's IdP keeps codes, grants, sessions and tokens: oidc-provider's own memory adapter
 * over a store that forgets an entry only when it expires. oidc-provider's default store is an LRU of
 * 1,000 entries, which under load evicts authorization codes and refresh tokens that a real IdP keeps
 * (a thousand concurrent sign-ins then fail with invalid_grant): the emulator must be no weaker than the
 * IdPs it stands for.
 */
// @ts-expect-error: oidc-provider ships no types for its adapter module (pinned at 9.13.3).
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

/** An entry and when it expires (ms since epoch), `null` for never. */
interface Entry {
  readonly value: unknown;
  readonly expiry: number | null;
}

/** The store interface oidc-provider's memory adapter uses. */
class ExpiringMap {
  readonly #entries = new Map<string, Entry>();

  get(key: string): unknown {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiry !== null && entry.expiry <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: unknown, options?: { readonly maxAge?: number }): void {
    const expiry = typeof options?.maxAge === 'number' ? Date.now() + options.maxAge : null;
    this.#entries.set(key, { value, expiry });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/** An `adapter` for one provider's configuration: every model in one store that only expiry empties. */
export function unboundedAdapter(): (model: string) => unknown {
  const store = new ExpiringMap();
  return (model) => new MemoryAdapter(model, store);
}
