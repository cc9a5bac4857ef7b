/**
 * A real, throw-away redis-server for integration tests: its own free port,
 * its own temporary directory, no persistence unless asked. It can be
 * stopped and started again on the same port to simulate an outage.
 *
 *   const redis = await startRedisServer();
 *   ... new Redis(redis.url) ...
 *   await redis.restart();   // SIGKILL, then start again on the same port
 *   await redis.dispose();   // stop and remove the temporary directory
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../src/infrastructure/cli/bench/redis-server-process';

export interface RedisServerOptions {
  /** Turns on the append-only file (fsync always), so data survives `restart()`. Default false. */
  readonly appendonly?: boolean;
  /** Extra `--name value` arguments for redis-server. */
  readonly extraArgs?: readonly string[];
  /** The binary; default $REDIS_SERVER_BIN or `redis-server` on the PATH. */
  readonly binary?: string;
  /** Longest wait for PING to answer after a start. Default 15 s. */
  readonly startTimeoutMs?: number;
}

export interface RedisServer {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** The server's working directory (dump / append-only files). */
  readonly dir: string;
  /** True while the server process runs. */
  readonly running: boolean;
  /** Starts the server again on the same port (no-op when running). Resolves once PING answers. */
  start(): Promise<void>;
  /** Stops the server (SIGTERM, SIGKILL after 5 s); it can be started again. Idempotent. */
  stop(): Promise<void>;
  /** Kills the server abruptly (SIGKILL) and leaves it down. */
  kill(): Promise<void>;
  /** Freezes the running process (SIGSTOP): it holds its sockets but answers nothing until resume(). */
  pause(): void;
  /** Lets a paused process run again (SIGCONT). No-op when not paused. */
  resume(): void;
  /** True between pause() and resume() (or the process's end). */
  readonly paused: boolean;
  /** Kills the server (SIGKILL by default) and starts it again on the same port. Without appendonly the data is lost. */
  restart(options?: { readonly signal?: 'SIGKILL' | 'SIGTERM'; readonly downMs?: number }): Promise<void>;
  /** Stops the server and removes its directory. */
  dispose(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export { findFreePort };

/** One PING over a raw socket: true when the server answers +PONG. */
function ping(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Never leave an orphan redis-server behind when the test process dies.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function missingBinary(binary: string): Error {
  return new Error(
    `redis-server not found (tried '${binary}'). Integration tests need a local Redis 7: ` +
      `install it with \`apt-get install redis-server\` (or set REDIS_SERVER_BIN to its path).`,
  );
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  const port = await findFreePort();
  const dir = mkdtempSync(join(tmpdir(), 'facerec-redis-'));
  installExitHook();

  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let paused = false;

  const args = (): string[] => [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--appendonly', options.appendonly ? 'yes' : 'no',
    ...(options.appendonly ? ['--appendfsync', 'always'] : []),
    '--daemonize', 'no',
    '--logfile', '',
    ...(options.extraArgs ?? []),
  ];

  const start = async (): Promise<void> => {
    if (child) return;
    let output = '';
    let failure: Error | null = null;
    const proc = spawn(binary, args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    live.add(proc);
    proc.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    proc.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    exited = new Promise<void>((resolve) => {
      proc.once('error', (error: NodeJS.ErrnoException) => {
        failure = error.code === 'ENOENT' ? missingBinary(binary) : error;
        live.delete(proc);
        if (child === proc) child = null;
        resolve();
      });
      proc.once('exit', (code, signal) => {
        failure ??= new Error(`redis-server exited (code ${code}, signal ${signal}) during start:\n${output}`);
        live.delete(proc);
        if (child === proc) child = null;
        resolve();
      });
    });
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (child !== proc) throw failure ?? new Error('redis-server stopped during start');
      if (await ping(port)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        await exited;
        throw new Error(`redis-server on port ${port} did not answer PING within ${startTimeoutMs} ms:\n${output}`);
      }
      await sleep(50);
    }
  };

  const terminate = async (signal: 'SIGKILL' | 'SIGTERM'): Promise<void> => {
    const proc = child;
    if (!proc) return;
    proc.kill(signal);
    // A stopped process only acts on SIGTERM once it runs again.
    if (paused) proc.kill('SIGCONT');
    paused = false;
    const escalation = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(escalation);
  };

  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get running() {
      return child !== null;
    },
    start,
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    pause() {
      if (!child) throw new Error(`redis-server on port ${port} is not running`);
      child.kill('SIGSTOP');
      paused = true;
    },
    resume() {
      if (child && paused) child.kill('SIGCONT');
      paused = false;
    },
    get paused() {
      return paused;
    },
    async restart(restartOptions = {}) {
      await terminate(restartOptions.signal ?? 'SIGKILL');
      if (restartOptions.downMs) await sleep(restartOptions.downMs);
      await start();
    },
    async dispose() {
      await terminate('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return server;
}
