/**
 * Values a shared store keeps are secrets (tokens, a pending flow's PKCE verifier): sealed with AES-256-GCM
 * before they leave the process, so that a Redis dump, a replica or `MONITOR` shows no token. Keys rotate:
 * the first key of the list seals, every key of the list opens (a value sealed under a key that left the
 * list cannot be opened: `cacheCorrupt`).
 *
 * Node's `crypto` rather than WebCrypto: the same AES-GCM, but synchronous, so sealing adds microseconds
 * and no promise to every store call; the stores that use it run only on servers.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AuthFlowError } from '../../errors/auth-flow-error.js';
import { InvalidArgumentError } from '../../errors/invalid-argument.js';

/** Seals and opens a store's values; `context` binds a value to where it is kept (its key). */
export interface Sealer {
  /** The value sealed under the first key, bound to `context`. */
  seal(plaintext: string, context: string): string;
  /** The value `seal` sealed with `context`; `cacheCorrupt` when no key opens it or it was altered or moved. */
  open(sealed: string, context: string): string;
}

const FORMAT = 's1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface Key {
  readonly id: string;
  readonly bytes: Buffer;
}

/**
 * A {@link Sealer} over `keys`: each 32 random bytes, written as base64 or base64url (`openssl rand -base64
 * 32`). The first seals; all open, so that a new key goes first and an old one stays until every value
 * sealed under it has expired. A key's id in a sealed value is a fingerprint (a hash), never the key.
 *
 * @example
 * ```ts
 * import { createSealer } from 'cdf-authflow/server';
 * const sealer = createSealer({ encryptionKeys: ['q2yKs3Nq0sO8wXhTq5tN0k2G8jv3J8r6Lh1p9zV4m0E='] });
 * const sealed = sealer.seal('secret', 'session:1');
 * sealer.open(sealed, 'session:1'); // 'secret'
 * ```
 */
export function createSealer(options: { readonly encryptionKeys: readonly string[] }): Sealer {
  const keys = options.encryptionKeys.map(keyOf);
  const first = keys[0];
  if (!first) {
    throw new InvalidArgumentError(
      'The store needs at least one encryption key: pass `encryptionKeys: [KEY]`, KEY being 32 random bytes in base64 (openssl rand -base64 32).',
    );
  }
  const byId = new Map(keys.map((key) => [key.id, key]));
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', first.bytes, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return [FORMAT, first.id, iv.toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [format, id, iv, body] = sealed.split('.');
      const key = id === undefined ? undefined : byId.get(id);
      if (format !== FORMAT || !key || iv === undefined || body === undefined) {
        throw unreadable(
          key || format !== FORMAT
            ? 'it is not a value this library sealed'
            : `it was sealed under a key (id ${id}) that is no longer in \`encryptionKeys\``,
        );
      }
      const bytes = Buffer.from(body, 'base64url');
      if (bytes.length < TAG_BYTES) throw unreadable('it is truncated');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw unreadable('it was altered, or moved from another key');
      }
    },
  };
}

function keyOf(text: string, index: number): Key {
  const bytes = typeof text === 'string' ? Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64') : null;
  if (bytes?.length !== 32) {
    throw new InvalidArgumentError(
      `Encryption key ${index + 1} of \`encryptionKeys\` is not 32 bytes in base64; make one with: openssl rand -base64 32`,
    );
  }
  return { id: createHash('sha256').update(bytes).digest('base64url').slice(0, 8), bytes };
}

const unreadable = (why: string) =>
  new AuthFlowError({
    code: 'cacheCorrupt',
    message: `A stored value cannot be opened: ${why}. It is treated as absent; sign in again.`,
  });
