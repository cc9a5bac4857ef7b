import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { CONFIG_SCHEMA } from '../../config/config';
import { BenchHarnessError } from './bench-harness-error';
import { stopChild, waitUntil, stopWithHarness } from './child-processes';
import { findFreePort } from './redis-server-process';

/** dist/main.js beside dist/cli.js: the service as `npm start` runs it. */
const SERVICE_MAIN = resolve(__dirname, '..', '..', '..', 'main.js');
/** bin/with-jemalloc beside dist/: the allocator `npm start` and the image run the service on (adr/0010); it execs node. */
const LAUNCHER = resolve(__dirname, '..', '..', '..', '..', 'bin', 'with-jemalloc');

/**
 * The service (`bin/with-jemalloc node dist/main.js`) as a child process of a benchmark: the
 * variables of the service schema are removed from the inherited environment
 * so that only `env` configures it, on a free loopback HTTP port. Its log
 * (stderr) is kept, last lines only, for a failure message.
 */
export class ServiceProcess {
  private logTail = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly httpPort: number,
  ) {
    const keep = (chunk: Buffer): void => {
      this.logTail = (this.logTail + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Starts the service and waits until /ready answers 200 (it consumes its queue). */
  static async start(env: Readonly<Record<string, string>>, readyTimeoutMs = 180_000): Promise<ServiceProcess> {
    const inherited: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(inherited)) if (name in CONFIG_SCHEMA || name.startsWith('OTEL_')) delete inherited[name];
    const httpPort = await findFreePort();
    const child = stopWithHarness(spawn(LAUNCHER, [process.execPath, SERVICE_MAIN], {
      env: { ...inherited, HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env, HTTP_PORT: String(httpPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    const service = new ServiceProcess(child, httpPort);
    try {
      await waitUntil('the service to answer 200 on /ready', readyTimeoutMs, async () => {
        if (child.exitCode !== null) throw service.failure('the service exited during start');
        try {
          return (await fetch(service.urlOf('/ready'), { signal: AbortSignal.timeout(2000) })).status === 200;
        } catch {
          return false;
        }
      }, 250);
    } catch (error) {
      await service.stop();
      throw error;
    }
    return service;
  }

  urlOf(path: string): string {
    return `http://127.0.0.1:${this.httpPort}${path}`;
  }

  /** The Prometheus exposition of /metrics. */
  async metricsText(): Promise<string> {
    const response = await fetch(this.urlOf('/metrics'), { signal: AbortSignal.timeout(5000) });
    if (response.status !== 200) throw this.failure(`/metrics answered ${response.status}`);
    return response.text();
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (the service drains), SIGKILL after `graceMs`; the exit code. */
  stop(graceMs = 30_000): Promise<number | null> {
    return stopChild(this.child, graceMs);
  }

  failure(message: string): BenchHarnessError {
    return new BenchHarnessError(`${message}; its last output: ${this.logTail.slice(-1500)}`, { pid: this.child.pid ?? null, exitCode: this.child.exitCode });
  }
}
