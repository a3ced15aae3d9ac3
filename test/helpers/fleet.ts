/**
 * A fleet of web-backend instances for the scale tests: each a child process on its own port
 * (test/fixtures/server-instance.mjs, the built package), one Redis, and a small round-robin proxy in
 * front that skips an instance that does not answer, as a load balancer's health check would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const INSTANCE = path.resolve(import.meta.dirname, '../fixtures/server-instance.mjs');

/** One running instance. */
export interface Instance {
  readonly port: number;
  readonly child: ChildProcess;
  /** Kills it at once (SIGKILL): no cleanup, no lock released. */
  kill(): Promise<void>;
}

/** Starts an instance on `port` with `options` (JSON); resolves when it listens. */
export async function startInstance(port: number, options: object): Promise<Instance> {
  const child = spawn(process.execPath, [INSTANCE, JSON.stringify({ ...options, port })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => String(chunk).includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`instance on ${port} exited (${code}): ${stderr}`)));
  });
  return {
    port,
    child,
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** A round-robin proxy on `port` over `targets()` (read per request): the next live one answers. */
export async function startRoundRobin(port: number, targets: () => readonly number[]) {
  let turn = 0;
  const served = new Map<number, number>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const list = targets();
    const tryFrom = (attempt: number) => {
      if (attempt >= list.length) return void res.writeHead(502).end('no instance answered');
      const target = list[(turn + attempt) % list.length] as number;
      const upstream = http.request(
        { host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers, agent },
        (answer) => {
          served.set(target, (served.get(target) ?? 0) + 1);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.once('error', () => tryFrom(attempt + 1));
      req.pipe(upstream);
    };
    turn++;
    tryFrom(0);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
