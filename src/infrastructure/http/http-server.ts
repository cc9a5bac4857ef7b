import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { appLoggerOf, type PinoLogger } from '../logging/logger';
import { UNMATCHED_ROUTE, type HttpRequestObserver } from '../telemetry/http-metrics';
import { API_PREFIX, apiPlugin, type ApiOptions } from './api/api-plugin';
import { safeByteFormat } from './api/schemas/base64';
import { binaryFileKeyword } from './api/schemas/binary-file';
import { ApiError } from './errors/api-error';
import { toApiError, type MappingLimits } from './errors/error-mapping';
import { BackgroundProbe } from './health/background-probe';
import { healthRoutes, type MetricsSource, type RedisState } from './health/health-routes';
import type { ProcessorStatusSource } from './health/processor-status';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id';
import { RouteMethods } from './route-methods';

declare module 'fastify' {
  interface FastifyRequest {
    /** The id of the API key that authenticated the request (null: none). Never the secret. */
    apiKeyId: string | null;
    /** The error code the request was answered with (null: no error). */
    apiErrorCode: string | null;
  }
}

export interface HttpServerOptions {
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
  readonly now?: () => number;
  /** The service's pino logger: one child per request carries `requestId`. Default: silent. */
  readonly logger?: PinoLogger;
  /** Per-route request counts and durations. */
  readonly observer?: HttpRequestObserver;
  /** The /v1 API; unset = /health, /ready and /metrics only. */
  readonly api?: ApiOptions;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * The service's one HTTP server (fastify) on HTTP_HOST:HTTP_PORT:
 * unauthenticated /health, /ready and /metrics, and the authenticated /v1
 * API. Every answer carries `X-Request-Id` (the caller's when sane, else a
 * new one), every log line of a request carries it as `requestId`, and every
 * error, the framework's included, is answered as
 * `{"error":{"code","message","details"?}}`.
 */
export class HttpServer {
  readonly app: FastifyInstance;
  private readonly redisProbe: BackgroundProbe | undefined;
  private readonly startedAt: number;
  private readonly now: () => number;
  private readonly routes = new RouteMethods();
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: HttpServerOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = options.startedAt ?? this.now();
    const logger = options.logger ?? pino({ level: 'silent' });
    const log = appLoggerOf(logger);
    this.redisProbe =
      options.redisPing === undefined
        ? undefined
        : new BackgroundProbe(options.redisPing, {
            ...(options.redisPingIntervalMs !== undefined ? { intervalMs: options.redisPingIntervalMs } : {}),
            ...(options.redisPingTimeoutMs !== undefined ? { timeoutMs: options.redisPingTimeoutMs } : {}),
            onChange: (state, error) =>
              state === 'unreachable' ? log.warn('redis unreachable', { error: error instanceof Error ? error.message : String(error) }) : log.info(`redis ${state}`),
          });

    const mappingLimits: MappingLimits = {
      bodyLimitBytes: options.api?.limits.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
    };
    this.app = Fastify({
      loggerInstance: logger as FastifyBaseLogger,
      // Fastify's own per-request lines are off: health checks and scrapes would flood the log; the API logs one line per request.
      logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
      genReqId: (request) => requestIdOf(request.headers[REQUEST_ID_HEADER]),
      bodyLimit: mappingLimits.bodyLimitBytes,
      // Node's own limit on receiving a whole request (a slow upload); the API's deadline covers the rest (api/request-deadline.ts).
      ...(options.api !== undefined ? { requestTimeout: options.api.limits.requestTimeoutMs } : {}),
      keepAliveTimeout: 5000,
      // After ajv-formats (onCreate runs last): file fields, and a `byte` format that survives large images.
      ajv: {
        onCreate: (ajv) => {
          binaryFileKeyword(ajv);
          safeByteFormat(ajv);
        },
      },
    });
    const app = this.app;
    app.decorateRequest('apiKeyId', null);
    app.decorateRequest('apiErrorCode', null);
    app.addHook('onRoute', (route) => this.routes.add(route.url, route.method));
    app.addHook('onRequest', async (request, reply) => {
      reply.header('X-Request-Id', request.id);
    });
    const observer = options.observer;
    if (observer !== undefined) {
      app.addHook('onResponse', async (request, reply) => {
        observer.requestFinished(request.routeOptions.url ?? UNMATCHED_ROUTE, request.method, reply.statusCode, reply.elapsedTime / 1000);
      });
    }
    app.setErrorHandler((error: FastifyError, request, reply) => this.answerError(error, request, reply, mappingLimits));
    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?', 1)[0] ?? '/';
      const allowed = this.routes.allowed(path);
      const error =
        allowed.length > 0
          ? new ApiError('method_not_allowed', `${request.method} is not allowed on ${path}`, { allowed }, { Allow: allowed.join(', ') })
          : new ApiError('not_found', `no route ${request.method} ${path}`, { path });
      this.answerError(error, request, reply, mappingLimits);
    });

    healthRoutes(app, {
      status: options.status,
      registry: options.registry,
      redisState: () => this.redisState,
      uptimeSeconds: () => (this.now() - this.startedAt) / 1000,
    });
    if (options.api !== undefined) void app.register(apiPlugin, { ...options.api, prefix: API_PREFIX });
  }

  /** Listens; resolves with the bound address (the real port when `port` is 0). */
  async start(): Promise<{ readonly host: string; readonly port: number }> {
    await this.app.listen({ host: this.options.host, port: this.options.port });
    this.redisProbe?.start();
    const address = this.app.server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  /** The bound port (after start). */
  get port(): number {
    return (this.app.server.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  get redisState(): RedisState {
    return this.redisProbe?.state ?? 'not_configured';
  }

  /** Stops listening and closes idle connections (busy ones after at most 1 s). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.redisProbe?.stop();
      // Scrapers keep connections alive; do not let them hold the shutdown.
      const force = setTimeout(() => this.app.server.closeAllConnections(), 1000);
      force.unref();
      try {
        await this.app.close();
      } finally {
        clearTimeout(force);
      }
    })();
    return this.stopping;
  }

  private answerError(error: unknown, request: FastifyRequest, reply: FastifyReply, limits: MappingLimits): FastifyReply {
    const answer = toApiError(error, limits);
    request.apiErrorCode = answer.code;
    if (answer.status >= 500) {
      // The full error only here (never image bytes or embeddings: the pipeline's errors carry none); the client gets the code.
      const level = answer.code === 'overloaded' ? 'warn' : 'error';
      request.log[level]({ errorCode: answer.code, err: describe(error), route: request.routeOptions.url ?? null }, 'http request failed');
    }
    return reply.code(answer.status).headers(answer.headers).header('Cache-Control', 'no-store').send(answer.toBody());
  }
}

function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { type: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}), stack: error.stack };
}
