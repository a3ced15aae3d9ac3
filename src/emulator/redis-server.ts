/**
 * A real `redis-server` (Debian's package) on a free loopback port, for the demo and for tests: nothing
 * saved to disk, gone when stopped. Not an emulation: the stores meet the server they meet in production.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

/** A running `redis-server`. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops it (SIGTERM), and waits until it is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (as a Redis without persistence comes back). */
  restart(): Promise<void>;
}

/** Where Debian installs it. */
export const REDIS_SERVER_PATH = '/usr/bin/redis-server';

/** True when `redis-server` is installed where {@link startRedisServer} looks. */
export const redisServerInstalled = (path: string = REDIS_SERVER_PATH) => existsSync(path);

/**
 * Starts `redis-server` on a free loopback port with no persistence (`--save '' --appendonly no`) and
 * waits until it answers. Fails with a message naming the package to install when it is missing.
 *
 * @example
 * ```ts
 * import { startRedisServer } from 'cdf-authflow/emulator';
 * const redis = await startRedisServer();
 * console.log(redis.url); // redis://127.0.0.1:PORT
 * await redis.stop();
 * ```
 */
export async function startRedisServer(options: { readonly path?: string; readonly port?: number } = {}) {
  const path = options.path ?? REDIS_SERVER_PATH;
  if (!redisServerInstalled(path)) {
    throw new Error(`${path} is missing: install Debian's redis-server (apt-get install redis-server)`);
  }
  const port = options.port ?? (await freePort());
  let child = await launch(path, port);
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => ended(child),
    async restart() {
      await ended(child);
      child = await launch(path, port);
    },
  };
  return server;
}

async function launch(path: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    path,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}) on port ${port}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer on port ${port} within 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return child;
}

function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** True when something on `port` answers `PING` with `+PONG`. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
