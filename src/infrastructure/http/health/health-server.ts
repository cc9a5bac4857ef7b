import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../logging/logger';
import { BackgroundProbe, type ProbeState } from './background-probe';
import type { ProcessorStatus, ProcessorStatusSource } from './processor-status';

/** What /metrics serves: a prom-client Registry, or PrometheusMetrics. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface HealthServerOptions {
  readonly host: string;
  /** 0 = any free port (see `start()`'s result). */
  readonly port: number;
  readonly status: ProcessorStatusSource;
  readonly registry: MetricsSource;
  /** Redis reachability check (e.g. `() => redis.ping()`), run in the background; unset = no Redis (embedded mode). */
  readonly redisPing?: () => Promise<unknown>;
  readonly redisPingIntervalMs?: number;
  readonly redisPingTimeoutMs?: number;
  /** Process start, epoch ms (default: when the server object is created). */
  readonly startedAt?: number;
  readonly logger?: Logger;
  readonly now?: () => number;
}

export type RedisState = ProbeState | 'not_configured';

export interface HealthReport {
  readonly status: 'healthy' | 'unhealthy';
  readonly failing?: readonly string[];
  readonly processor_id: string;
  readonly registered: boolean;
  readonly redis: RedisState;
  readonly orchestrator: 'registered' | 'unregistered' | 'not_configured';
  readonly models: { readonly loaded: boolean; readonly names: Readonly<Record<string, string>> };
  readonly capacity: number;
  readonly inflight: number;
  readonly frames_processed: number;
  readonly errors_total: number;
  readonly uptime_seconds: number;
  readonly version: string;
}

/** The /health body and status code (pure: tested without HTTP too). */
export function healthReport(status: ProcessorStatus, redis: RedisState, uptimeSeconds: number): HealthReport {
  const failing = [...(redis === 'unreachable' ? ['redis'] : []), ...(status.modelsLoaded ? [] : ['models'])];
  return {
    status: failing.length === 0 ? 'healthy' : 'unhealthy',
    ...(failing.length > 0 ? { failing } : {}),
    processor_id: status.processorId,
    registered: status.registered,
    redis,
    orchestrator: !status.orchestratorConfigured ? 'not_configured' : status.registered ? 'registered' : 'unregistered',
    models: { loaded: status.modelsLoaded, names: status.models },
    capacity: status.capacity,
    inflight: status.inflight,
    frames_processed: status.framesProcessed,
    errors_total: status.errorsTotal,
    uptime_seconds: Math.round(uptimeSeconds * 1000) / 1000,
    version: status.version,
  };
}

export const isReady = (status: ProcessorStatus): boolean => (status.registered || !status.orchestratorConfigured) && status.consuming;

/**
 * GET /health, /ready and /metrics on HTTP_HOST:HTTP_PORT. Every answer is
 * built from in-memory state (the status source, the cached Redis probe, the
 * metrics registry): nothing here waits on inference.
 */
export class HealthServer {
  private readonly server: Server;
  private readonly redisProbe: BackgroundProbe | undefined;
  private readonly startedAt: number;
  private readonly now: () => number;

  constructor(private readonly options: HealthServerOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = options.startedAt ?? this.now();
    this.redisProbe =
      options.redisPing === undefined
        ? undefined
        : new BackgroundProbe(options.redisPing, {
            ...(options.redisPingIntervalMs !== undefined ? { intervalMs: options.redisPingIntervalMs } : {}),
            ...(options.redisPingTimeoutMs !== undefined ? { timeoutMs: options.redisPingTimeoutMs } : {}),
            onChange: (state, error) =>
              state === 'unreachable'
                ? options.logger?.warn('redis unreachable', { error: error instanceof Error ? error.message : String(error) })
                : options.logger?.info(`redis ${state}`),
          });
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.keepAliveTimeout = 5000;
  }

  /** Listens; resolves with the bound address (the real port when `port` is 0). */
  async start(): Promise<{ readonly host: string; readonly port: number }> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.redisProbe?.start();
    const address = this.server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  /** The bound port (after start). */
  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  get redisState(): RedisState {
    return this.redisProbe?.state ?? 'not_configured';
  }

  async stop(): Promise<void> {
    this.redisProbe?.stop();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      // Scrapers keep connections alive; do not let them hold the shutdown.
      setTimeout(() => this.server.closeAllConnections(), 1000).unref();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return this.json(response, 405, { error: 'method not allowed' }, { Allow: 'GET, HEAD' });
    }
    try {
      switch (path) {
        case '/health':
          return this.health(response);
        case '/ready':
          return this.ready(response);
        case '/metrics':
          return await this.metrics(response);
        default:
          return this.json(response, 404, { error: 'not found', path });
      }
    } catch (error) {
      this.options.logger?.warn('http request failed', { path, error: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) this.json(response, 500, { error: 'internal error' });
      else response.destroy();
    }
  }

  private health(response: ServerResponse): void {
    let report: HealthReport | { status: 'unhealthy'; failing: string[] };
    try {
      report = healthReport(this.options.status.status(), this.redisState, (this.now() - this.startedAt) / 1000);
    } catch {
      report = { status: 'unhealthy', failing: ['status'] };
    }
    this.json(response, report.status === 'healthy' ? 200 : 503, report);
  }

  private ready(response: ServerResponse): void {
    const status = this.options.status.status();
    const ready = isReady(status);
    this.json(response, ready ? 200 : 503, {
      ready,
      registered: status.registered,
      orchestrator: status.orchestratorConfigured ? 'configured' : 'not_configured',
      consuming: status.consuming,
    });
  }

  private async metrics(response: ServerResponse): Promise<void> {
    const body = await this.options.registry.metrics();
    response.writeHead(200, { 'Content-Type': this.options.registry.contentType, 'Cache-Control': 'no-store' });
    response.end(body);
  }

  private json(response: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(code, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
    response.end(JSON.stringify(body));
  }
}
