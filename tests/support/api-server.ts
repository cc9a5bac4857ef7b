/**
 * The real HTTP server (fastify, the /v1 API with its real plugins) over a
 * real AnalyzeFaces, in process, for `app.inject()` tests: no port, no
 * process, logs collected as parsed JSON lines.
 *
 *   const api = await startTestApi(pipeline.analyze, { limits: { rateLimitPerMinute: 2 } });
 *   const answer = await api.inject({ method: 'POST', url: '/v1/faces/detect', headers: api.auth, payload: { image } });
 *   await api.close();
 */
import type { Tracer } from '@opentelemetry/api';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { noInstrumentation, type PipelineInstrumentation } from '../../src/application/ports/pipeline-instrumentation';
import { AdmissionGate, type AdmissionLimits } from '../../src/application/services/admission-gate';
import type { AnalyzeFaces } from '../../src/application/use-cases/analyze-faces';
import { DetectFaces } from '../../src/application/use-cases/detect-faces';
import type { GalleryUseCases } from '../../src/application/use-cases/gallery/gallery-use-cases';
import type { ApiLimits } from '../../src/infrastructure/http/api/api-context';
import { ApiKeyring, type ApiKey } from '../../src/infrastructure/http/api/auth/api-keys';
import { API_ERROR_STATUS } from '../../src/infrastructure/http/errors/api-error';
import type { ProcessorStatus } from '../../src/infrastructure/http/health/processor-status';
import { HttpServer } from '../../src/infrastructure/http/http-server';
import { createPinoLogger } from '../../src/infrastructure/logging/logger';
import { HttpMetrics } from '../../src/infrastructure/telemetry/http-metrics';
import { PrometheusMetrics } from '../../src/infrastructure/telemetry/prometheus-metrics';

export const TEST_KEY: ApiKey = { id: 'test-client', secret: 'test-secret-0123456789abcdef' };
export const OTHER_KEY: ApiKey = { id: 'other-client', secret: 'other-secret-0123456789abcdef' };

export const DEFAULT_TEST_LIMITS: ApiLimits = {
  bodyLimitBytes: 26_214_400,
  maxImages: 10,
  requestTimeoutMs: 30_000,
  rateLimitPerMinute: 600,
};

const STATUS: ProcessorStatus = {
  processorId: 'api-test',
  version: '0.0.0',
  orchestratorConfigured: false,
  registered: false,
  consuming: true,
  modelsLoaded: true,
  models: {},
  capacity: 8,
  inflight: 0,
  framesProcessed: 0,
  errorsTotal: 0,
};

/** One JSON log line. */
export type LogLine = Readonly<Record<string, unknown>> & { readonly msg: string };

export interface TestApiOptions {
  readonly keys?: readonly ApiKey[];
  readonly limits?: Partial<ApiLimits>;
  readonly admission?: AdmissionLimits;
  readonly tracer?: Tracer | null;
  readonly instrumentation?: PipelineInstrumentation;
  /** The gallery routes' use cases, built on `gate` (the API's admission gate, shared with detect). */
  readonly gallery?: (gate: AdmissionGate) => GalleryUseCases;
}

export interface TestApi {
  readonly server: HttpServer;
  readonly metrics: PrometheusMetrics;
  readonly gate: AdmissionGate;
  readonly logs: LogLine[];
  /** Every line the logger wrote, as written. */
  readonly rawLogs: string[];
  /** Headers with TEST_KEY. */
  readonly auth: Readonly<Record<string, string>>;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startTestApi(analyze: AnalyzeFaces, options: TestApiOptions = {}): Promise<TestApi> {
  const logs: LogLine[] = [];
  const rawLogs: string[] = [];
  const logger = createPinoLogger('info', 'face-recognition', {
    write(line: string) {
      rawLogs.push(line);
      logs.push(JSON.parse(line) as LogLine);
    },
  });
  const metrics = new PrometheusMetrics({ gpu: false, defaultMetrics: false });
  const gate = new AdmissionGate(options.admission ?? { maxConcurrent: 4, maxQueued: 16 });
  const server = new HttpServer({
    host: '127.0.0.1',
    port: 0,
    status: { status: () => STATUS },
    registry: metrics,
    logger,
    observer: new HttpMetrics(metrics.registry),
    api: {
      keyring: new ApiKeyring(options.keys ?? [TEST_KEY, OTHER_KEY]),
      limits: { ...DEFAULT_TEST_LIMITS, ...options.limits },
      version: '0.0.0-test',
      tracer: options.tracer ?? null,
      instrumentation: options.instrumentation ?? noInstrumentation,
      detectFaces: new DetectFaces(analyze, gate),
      ...(options.gallery !== undefined ? { gallery: options.gallery(gate) } : {}),
    },
  });
  await server.app.ready();
  return {
    server,
    metrics,
    gate,
    logs,
    rawLogs,
    auth: { 'x-api-key': TEST_KEY.secret },
    inject: (request) => server.app.inject(request),
    close: () => server.stop(),
  };
}

/** A multipart/form-data body as a browser or curl would send it (the platform's FormData encoder). */
export async function multipart(
  fields: Readonly<Record<string, string | { readonly data: Uint8Array; readonly filename?: string; readonly type?: string }>>,
): Promise<{ readonly payload: Buffer; readonly headers: Record<string, string> }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([value.data], { type: value.type ?? 'application/octet-stream' }), value.filename ?? 'upload.bin');
  }
  const encoded = new Response(form);
  return { payload: Buffer.from(await encoded.arrayBuffer()), headers: { 'content-type': encoded.headers.get('content-type') ?? '' } };
}

/** The JSON body of an answer. */
export const bodyOf = <T = Record<string, unknown>>(answer: LightMyRequestResponse): T => JSON.parse(answer.body) as T;

/** The documented error body: `{"error":{"code","message","details"?}}`. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: Record<string, unknown> };
}

/** Checks the documented error shape and the one status of its code; returns the error. */
export function expectError(answer: { statusCode: number; body: string }, code: keyof typeof API_ERROR_STATUS): ErrorBody['error'] {
  const body = JSON.parse(answer.body) as ErrorBody;
  expect({ status: answer.statusCode, code: body.error?.code }).toEqual({ status: API_ERROR_STATUS[code], code });
  expect(typeof body.error.message).toBe('string');
  expect(Object.keys(body)).toEqual(['error']);
  for (const key of Object.keys(body.error)) expect(['code', 'message', 'details']).toContain(key);
  return body.error;
}
