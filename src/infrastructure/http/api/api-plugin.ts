import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import type { Tracer } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import type { PipelineInstrumentation } from '../../../application/ports/pipeline-instrumentation';
import type { DetectFaces } from '../../../application/use-cases/detect-faces';
import type { GalleryUseCases } from '../../../application/use-cases/gallery/gallery-use-cases';
import { ApiError } from '../errors/api-error';
import type { ApiLimits, ApiRouteContext } from './api-context';
import { requireApiKey } from './auth/api-key-auth';
import type { ApiKeyring } from './auth/api-keys';
import { enrollmentRoutes } from './enrollments/enrollment-routes';
import { facesRoutes } from './faces/faces-routes';
import { registerOpenApi } from './openapi';
import { peopleRoutes } from './people/people-routes';
import { RequestDeadlines } from './request-deadline';
import { requestInstrumentation, traceApiRequests } from './request-tracing';

export const API_PREFIX = '/v1';

/** Non-file fields a multipart request may carry besides its images, and their size. */
const MULTIPART_FIELDS = 16;
const MULTIPART_FIELD_BYTES = 64 * 1024;

export interface ApiOptions {
  readonly keyring: ApiKeyring;
  readonly limits: ApiLimits;
  /** The service version, in the OpenAPI document. */
  readonly version: string;
  /** The service's tracer, or null when tracing is off (then no request spans). */
  readonly tracer: Tracer | null;
  /** Observes API inference stages like the stream's (the stage histogram). */
  readonly instrumentation: PipelineInstrumentation;
  readonly detectFaces: DetectFaces;
  /** The gallery's people, verification and enrolment sessions; without it those routes are absent. */
  readonly gallery?: GalleryUseCases;
}

/**
 * The /v1 scope: request spans, `X-API-Key` on every route, a rate limit per
 * key, the body limits, the request timeout, the OpenAPI document, then the
 * route groups (one module each, schemas beside their routes). Errors thrown
 * anywhere here reach the server's one error handler (errors/error-mapping.ts).
 *
 * A new route group: write `xxx/xxx-routes.ts` exporting
 * `xxxRoutes(app, { ...context, <its use cases> })` and call it at the end.
 */
export async function apiPlugin(app: FastifyInstance, options: ApiOptions): Promise<void> {
  const { limits } = options;

  // Only the body types the routes declare a schema for: a text/plain body would reach a handler unvalidated.
  app.removeContentTypeParser('text/plain');

  // Hook order is the order of the lifecycle: span first (so that refusals are traced), then the key, then the limits.
  if (options.tracer !== null) traceApiRequests(app, options.tracer);
  requireApiKey(app, options.keyring);
  app.addHook('onRequest', async (request) => {
    // @fastify/multipart reads the raw request and does not apply bodyLimit to the whole body: refuse a declared oversize at once.
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.bodyLimitBytes + MULTIPART_FIELDS * MULTIPART_FIELD_BYTES) {
      throw new ApiError('payload_too_large', `the request body is larger than ${limits.bodyLimitBytes} bytes`, { limit_bytes: limits.bodyLimitBytes });
    }
  });
  const deadlines = new RequestDeadlines(limits.requestTimeoutMs);
  deadlines.install(app);

  await app.register(rateLimit, {
    max: limits.rateLimitPerMinute,
    timeWindow: 60_000,
    // Runs after requireApiKey (route-level hooks follow the scope's): every key has its own budget.
    keyGenerator: (request) => `key:${request.apiKeyId ?? request.ip}`,
    errorResponseBuilder: (_request, context) => {
      const retryAfter = Math.max(1, Math.ceil(context.ttl / 1000));
      return new ApiError(
        'rate_limited',
        `more than ${context.max} requests in a minute with this API key; retry in ${context.after}`,
        { limit_per_minute: context.max, retry_after_seconds: retryAfter },
        { 'Retry-After': String(retryAfter) },
      );
    },
  });
  await app.register(multipart, {
    // Fields become body properties (files as Buffers) before validation, so multipart bodies are validated like JSON ones.
    attachFieldsToBody: 'keyValues',
    limits: {
      fileSize: limits.bodyLimitBytes,
      files: limits.maxImages,
      fields: MULTIPART_FIELDS,
      fieldSize: MULTIPART_FIELD_BYTES,
      parts: limits.maxImages + MULTIPART_FIELDS,
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        keyId: request.apiKeyId,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
        ...(request.apiErrorCode !== null ? { errorCode: request.apiErrorCode } : {}),
      },
      'api request',
    );
  });

  await registerOpenApi(app, options.version);

  const context: ApiRouteContext = {
    limits,
    abandoned: (request) => deadlines.abandoned(request),
    instrumentation: (request) => requestInstrumentation(request, options.instrumentation, options.tracer),
  };
  facesRoutes(app, { ...context, detectFaces: options.detectFaces });
  if (options.gallery !== undefined) {
    peopleRoutes(app, { ...context, gallery: options.gallery });
    enrollmentRoutes(app, { ...context, gallery: options.gallery });
  }
}
