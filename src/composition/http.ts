import type { Container } from 'inversify';
import type { PipelineInstrumentation } from '../application/ports/pipeline-instrumentation';
import { AdmissionGate } from '../application/services/admission-gate';
import { TOKENS } from '../application/tokens';
import type { AnalyzeFaces } from '../application/use-cases/analyze-faces';
import { DetectFaces } from '../application/use-cases/detect-faces';
import type { GalleryUseCases } from '../application/use-cases/gallery/gallery-use-cases';
import { SERVICE_VERSION, type Config } from '../infrastructure/config/config';
import { ConfigError } from '../infrastructure/config/env-schema';
import { ApiKeyring, InvalidApiKeys, assertDistinct, generateApiKey, type ApiKey } from '../infrastructure/http/api/auth/api-keys';
import type { ProcessorStatusSource } from '../infrastructure/http/health/processor-status';
import { HttpServer } from '../infrastructure/http/http-server';
import type { AppLogger } from '../infrastructure/logging/logger';
import { HttpMetrics } from '../infrastructure/telemetry/http-metrics';
import type { PrometheusMetrics } from '../infrastructure/telemetry/prometheus-metrics';
import type { Tracing } from '../infrastructure/telemetry/tracing';

export interface HttpServerParts {
  readonly config: Config;
  /** The service's container: the API uses its AnalyzeFaces, the stream's own (same inference workers, no second model set). */
  readonly container: Container;
  readonly logger: AppLogger;
  readonly metrics: PrometheusMetrics;
  readonly tracing: Tracing;
  /** The stream's stage instrumentation (the stage histogram), under the API's request spans. */
  readonly instrumentation: PipelineInstrumentation;
  readonly status: ProcessorStatusSource;
  readonly redisPing?: () => Promise<unknown>;
  /**
   * The gallery's use cases, built on the API's admission gate (shared with
   * detect, so every on-demand image counts against one bound). Without it
   * the /v1/faces people routes and /v1/enrollments are absent.
   */
  readonly gallery?: (gate: AdmissionGate) => GalleryUseCases;
}

/** The service's HTTP server: /health, /ready, /metrics and the /v1 API, wired from the configuration. */
export function createHttpServer(parts: HttpServerParts): HttpServer {
  const { config, logger } = parts;
  const gate = new AdmissionGate({ maxConcurrent: config.API_MAX_CONCURRENT, maxQueued: config.API_MAX_QUEUED });
  return new HttpServer({
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    status: parts.status,
    registry: parts.metrics,
    ...(parts.redisPing !== undefined ? { redisPing: parts.redisPing } : {}),
    ...(logger.pino !== undefined ? { logger: logger.pino } : {}),
    observer: new HttpMetrics(parts.metrics.registry),
    api: {
      keyring: apiKeyring(config, logger),
      limits: {
        bodyLimitBytes: config.API_BODY_LIMIT_BYTES,
        maxImages: config.API_MAX_IMAGES,
        requestTimeoutMs: config.API_REQUEST_TIMEOUT_MS,
        rateLimitPerMinute: config.API_RATE_LIMIT,
      },
      version: SERVICE_VERSION,
      tracer: parts.tracing.enabled ? parts.tracing.tracer : null,
      instrumentation: parts.instrumentation,
      detectFaces: new DetectFaces(parts.container.get<AnalyzeFaces>(TOKENS.AnalyzeFaces), gate),
      ...(parts.gallery !== undefined ? { gallery: parts.gallery(gate) } : {}),
    },
  });
}

/**
 * The keys of API_KEYS and API_KEYS_FILE. With none: Redis mode keeps the API
 * closed (every /v1 request is 401, saying why; one warning now), and the
 * embedded try-out mode makes one random key, logged once here and nowhere
 * else, so that `npm start` alone gives a usable API.
 */
export function apiKeyring(config: Config, logger: AppLogger): ApiKeyring {
  const keys: ApiKey[] = [...(config.API_KEYS ?? []), ...(config.API_KEYS_FILE?.keys ?? [])];
  try {
    assertDistinct(keys);
  } catch (error) {
    throw new ConfigError([`API_KEYS, API_KEYS_FILE: ${error instanceof InvalidApiKeys ? error.message : String(error)}`]);
  }
  if (keys.length > 0) {
    logger.info('api keys loaded', { keyIds: keys.map((key) => key.id) });
    return new ApiKeyring(keys);
  }
  if (config.REDIS_URL !== undefined) {
    logger.warn('no API keys configured: every /v1 request answers 401 until API_KEYS or API_KEYS_FILE is set');
    return new ApiKeyring([]);
  }
  const key = generateApiKey();
  logger.warn('GENERATED API KEY for this run (embedded mode, no API_KEYS): send it as X-API-Key; it is logged only here and expires when the service stops', {
    keyId: key.id,
    apiKey: key.secret,
  });
  return new ApiKeyring([key]);
}
