import type { FastifyRequest } from 'fastify';
import type { PipelineInstrumentation } from '../../../application/ports/pipeline-instrumentation';

/** Limits of the API (config: API_*). */
export interface ApiLimits {
  /** Largest JSON body, and largest uploaded file, in bytes. */
  readonly bodyLimitBytes: number;
  /** Most files in one multipart request (a registration's photos). */
  readonly maxImages: number;
  /** Longest time a request may take; beyond it 503 overloaded. */
  readonly requestTimeoutMs: number;
  /** Requests per minute per API key. */
  readonly rateLimitPerMinute: number;
}

/** What every route group is given besides its own use cases. */
export interface ApiRouteContext {
  readonly limits: ApiLimits;
  /** Aborts when the request is given up (its timeout, or the client went away): pass it to work that waits. */
  abandoned(request: FastifyRequest): AbortSignal;
  /** The request's pipeline instrumentation: stage spans under the request span, stage timings. */
  instrumentation(request: FastifyRequest): PipelineInstrumentation;
}
