import type { FastifyInstance } from 'fastify';
import type { ProbeState } from './background-probe';
import type { ProcessorStatus, ProcessorStatusSource } from './processor-status';

/** What /metrics serves: a prom-client Registry, or PrometheusMetrics. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
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

export interface HealthRoutesOptions {
  readonly status: ProcessorStatusSource;
  readonly registry: MetricsSource;
  /** The cached Redis probe's last answer: never a Redis call while answering. */
  readonly redisState: () => RedisState;
  readonly uptimeSeconds: () => number;
}

/**
 * GET /health, /ready and /metrics (HEAD too): unauthenticated, built from
 * in-memory state (the status source, the cached Redis probe, the metrics
 * registry), so nothing here waits on inference or Redis.
 */
export function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): void {
  app.get('/health', async (_request, reply) => {
    let report: HealthReport | { status: 'unhealthy'; failing: string[] };
    try {
      report = healthReport(options.status.status(), options.redisState(), options.uptimeSeconds());
    } catch {
      report = { status: 'unhealthy', failing: ['status'] };
    }
    return reply.code(report.status === 'healthy' ? 200 : 503).header('Cache-Control', 'no-store').send(report);
  });

  app.get('/ready', async (_request, reply) => {
    const status = options.status.status();
    const ready = isReady(status);
    return reply
      .code(ready ? 200 : 503)
      .header('Cache-Control', 'no-store')
      .send({ ready, registered: status.registered, orchestrator: status.orchestratorConfigured ? 'configured' : 'not_configured', consuming: status.consuming });
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await options.registry.metrics();
    return reply.code(200).header('Content-Type', options.registry.contentType).header('Cache-Control', 'no-store').send(body);
  });
}
