import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BenchHarnessError } from './bench-harness-error';
import { stopChild, waitUntil, stopWithHarness } from './child-processes';

/** A port that was free a moment ago (listen on 0, read it, close). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new BenchHarnessError('could not find a free port', {}))));
    });
  });
}

/**
 * A throw-away `redis-server` for a benchmark: a free loopback port, its own
 * temporary directory, no persistence. The binary is $REDIS_SERVER_BIN or
 * `redis-server` on the PATH.
 */
export class RedisServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServerProcess> {
    const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';
    const port = await findFreePort();
    const dir = await mkdtemp(join(tmpdir(), 'facerec-bench-redis-'));
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', ''];
    const child = stopWithHarness(spawn(binary, args, { stdio: 'ignore' }));
    let failure: Error | null = null;
    child.once('error', (error: NodeJS.ErrnoException) => {
      failure = new BenchHarnessError(error.code === 'ENOENT' ? `${binary} not found: install redis-server or set REDIS_SERVER_BIN` : error.message, { binary });
    });
    const server = new RedisServerProcess(child, port, dir);
    try {
      await waitUntil(`redis-server on port ${port} to answer PING`, 15_000, async () => {
        if (failure) throw failure;
        if (child.exitCode !== null) throw new BenchHarnessError('redis-server exited during start', { port, exitCode: child.exitCode });
        const probe = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        // A refused connection is the expected answer until the server listens: not an unhandled 'error' event.
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          probe.disconnect();
        }
      });
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  async stop(): Promise<void> {
    await stopChild(this.child, 5000);
    await rm(this.dir, { recursive: true, force: true });
  }
}
