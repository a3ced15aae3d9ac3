/**
 * The connection the Redis stores and lock share: commands, and a second connection for pub/sub (Redis
 * puts a subscribed connection in a mode where it takes no other command). Every command has a deadline
 * and fails fast while Redis is away (no offline queue that would hold a sign-in for ever), with one
 * typed error, `storeUnavailable`, that names the server (never its password) and what to do.
 *
 * The client is node-redis (`redis` 5 or 6, an optional peer dependency, loaded only here): the client
 * the Redis project maintains, with reconnection and re-subscription after a reconnect built in, and
 * `disableOfflineQueue`, which lets a command fail at once while the server is away. Anything with a
 * `sendCommand` and a `subscribe` fits {@link RedisConnection}, so another client can be adapted.
 */
import { AuthFlowError, isAuthFlowError } from '../../errors/auth-flow-error.js';
import { InvalidArgumentError } from '../../errors/invalid-argument.js';

/** Sends one Redis command (as node-redis's `sendCommand` does) and answers its reply. */
export interface RedisCommands {
  /** Sends `args` (the command and its arguments) and resolves with Redis's reply. */
  sendCommand(args: readonly string[]): Promise<unknown>;
}

/** Tells a listener of the messages published on channels that match a pattern (a subscribed connection). */
export interface RedisSubscriber {
  /**
   * Starts calling `listener` with each message published on a channel matching `pattern` (`PSUBSCRIBE`);
   * resolves once Redis confirmed the subscription, with how to stop.
   */
  pSubscribe(pattern: string, listener: (message: string, channel: string) => void): Promise<() => Promise<void>>;
}

/** What the Redis stores and lock run on: {@link connectRedis} makes one. */
export interface RedisConnection {
  /** The command connection. */
  readonly commands: RedisCommands;
  /** The pub/sub connection. */
  readonly subscriber: RedisSubscriber;
  /** The server, for messages: `redis://host:port/db`, never a password. */
  readonly where: string;
  /** Closes both connections. */
  close(): Promise<void>;
}

/** Options of {@link connectRedis}. */
export interface ConnectRedisOptions {
  /** The longest wait for the first connection, ms. @default 5000 */
  readonly connectTimeoutMs?: number;
  /** The longest wait for any one command, ms: `storeUnavailable` after it. @default 5000 */
  readonly commandTimeoutMs?: number;
}

interface NodeRedisClient {
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(): NodeRedisClient;
  pSubscribe(pattern: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  pUnsubscribe(pattern: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy?(): unknown;
  readonly isReady: boolean;
}

/**
 * Connects to the Redis at `url` (`redis://[:password@]host:port[/db]`, or `rediss://` for TLS), with a
 * deadline: an unreachable server is one `storeUnavailable` error that names it, at once, not a hang.
 * While the server is away later, commands fail with `storeUnavailable` and the client reconnects on its
 * own; the stores work again when it is back.
 *
 * @example
 * ```ts
 * import { connectRedis, createRedisCredentialStore } from 'cdf-authflow/server';
 * const redis = await connectRedis('redis://127.0.0.1:6379');
 * const sessions = createRedisCredentialStore({ redis, encryptionKeys: [process.env.SESSION_KEY ?? ''] });
 * ```
 */
export async function connectRedis(url: string, options: ConnectRedisOptions = {}): Promise<RedisConnection> {
  const where = redisWhere(url);
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
  const { createClient } = (await import('redis').catch(() => {
    throw new InvalidArgumentError('The Redis stores need the "redis" package: npm install redis');
  })) as { createClient: (options: object) => NodeRedisClient };
  let connected = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      // Before the first connection, the first refusal is the answer; after it, reconnect for ever, at
      // most every 2 s, while the stores answer `storeUnavailable`.
      reconnectStrategy: (retries: number, cause: Error) => (connected ? Math.min(50 * 2 ** retries, 2_000) : cause),
    },
  });
  let lastError: unknown;
  client.on('error', (error) => {
    lastError = error;
  });
  const subscriberClient = client.duplicate();
  subscriberClient.on('error', () => {});
  try {
    await withDeadline(Promise.all([client.connect(), subscriberClient.connect()]), connectTimeoutMs, () =>
      unavailable(where, `it did not connect within ${connectTimeoutMs} ms (${reasonOf(lastError)})`),
    );
  } catch (error) {
    destroy(client);
    destroy(subscriberClient);
    throw isAuthFlowError(error) ? error : unavailable(where, `it refused the connection (${reasonOf(error)})`);
  }
  connected = true;
  return {
    where,
    commands: {
      sendCommand: (args) =>
        withDeadline(client.sendCommand([...args]), commandTimeoutMs, () =>
          unavailable(where, `it did not answer within ${commandTimeoutMs} ms`),
        ).catch((error: unknown) => {
          throw isAuthFlowError(error) ? error : unavailable(where, reasonOf(error));
        }),
    },
    subscriber: {
      async pSubscribe(pattern, listener) {
        await subscriberClient.pSubscribe(pattern, listener);
        return async () => {
          await subscriberClient.pUnsubscribe(pattern, listener).catch(() => {});
        };
      },
    },
    async close() {
      await Promise.all([closeClient(client), closeClient(subscriberClient)]);
    },
  };
}

/** `url` without credentials: what messages may name. */
export function redisWhere(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError('The Redis URL is not a URL; write it as redis://host:port (or rediss:// for TLS).');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidArgumentError(
      `The Redis URL must start with redis:// or rediss://, not ${parsed.protocol}//; write it as redis://host:port.`,
    );
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/** The one error of a Redis that cannot be reached or did not answer. */
export const unavailable = (where: string, why: string) =>
  new AuthFlowError({
    code: 'storeUnavailable',
    message: `Redis at ${where} is unavailable: ${why}. Check that it runs and is reachable; sign-ins and renewals resume when it answers again.`,
  });

/** A short, secret-free reason: the error's code or class, never a message that may echo a command. */
function reasonOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name;
  }
  return 'no answer';
}

function withDeadline<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

async function closeClient(client: NodeRedisClient): Promise<void> {
  try {
    if (client.isReady) await (client.close ?? client.quit)?.call(client);
    else destroy(client);
  } catch {
    destroy(client);
  }
}

function destroy(client: NodeRedisClient): void {
  try {
    client.destroy?.();
  } catch {
    // Already closed.
  }
}
