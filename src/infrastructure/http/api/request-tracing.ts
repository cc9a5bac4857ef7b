import { ROOT_CONTEXT, SpanKind, SpanStatusCode, propagation, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PipelineInstrumentation } from '../../../application/ports/pipeline-instrumentation';
import { BATCH_SPAN_NAMES } from '../../telemetry/otel-frame-telemetry';

const spans = new WeakMap<FastifyRequest, Span>();

/**
 * One SERVER span per API request, a child of the caller's W3C trace context
 * when it sends one (`traceparent`), named `METHOD /route/pattern`, with the
 * request id, the key id (once authenticated) and the status. 4xx answers
 * are the client's: only 5xx marks the span as an error (OpenTelemetry's
 * HTTP conventions).
 */
export function traceApiRequests(app: FastifyInstance, tracer: Tracer): void {
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url ?? request.url.split('?', 1)[0] ?? '';
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(`${request.method} ${route}`, { kind: SpanKind.SERVER }, parent);
    if (span.isRecording()) {
      span.setAttributes({ 'http.request.method': request.method, 'http.route': route, 'url.path': request.url.split('?', 1)[0] ?? '', 'request.id': request.id });
    }
    spans.set(request, span);
  });
  app.addHook('onResponse', async (request, reply) => endSpan(request, reply));
  app.addHook('onRequestAbort', async (request) => endSpan(request, null));
}

function endSpan(request: FastifyRequest, reply: FastifyReply | null): void {
  const span = spans.get(request);
  if (span === undefined) return;
  spans.delete(request);
  if (span.isRecording()) {
    if (request.apiKeyId !== null) span.setAttribute('api.key_id', request.apiKeyId);
    if (reply === null) {
      span.setAttribute('error.type', 'client_aborted');
    } else {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (request.apiErrorCode !== null) span.setAttribute('api.error_code', request.apiErrorCode);
      if (reply.statusCode >= 500) {
        span.setAttribute('error.type', request.apiErrorCode ?? String(reply.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
  }
  span.end();
}

/**
 * The stages of the request's inference as children of its span (a frame's
 * stage span names), each also observed by `base` (the stage histogram).
 * Without a recording span this is `base` itself.
 */
export function requestInstrumentation(request: FastifyRequest, base: PipelineInstrumentation, tracer: Tracer | null): PipelineInstrumentation {
  const span = spans.get(request);
  if (tracer === null || span === undefined || !span.isRecording()) return base;
  const parent = trace.setSpan(ROOT_CONTEXT, span);
  return {
    measure: (stage, batchSize, work) =>
      base.measure(stage, batchSize, async () => {
        const name = BATCH_SPAN_NAMES[stage];
        if (name === undefined) return work();
        const child = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes: { 'pipeline.stage': stage, 'batch.size': batchSize } }, parent);
        try {
          return await work();
        } catch (error) {
          child.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
          throw error;
        } finally {
          child.end();
        }
      }),
  };
}
