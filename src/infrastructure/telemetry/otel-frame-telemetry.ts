import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context as otelContext,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { FrameOutcome, FrameTelemetry, FrameTrace, OutgoingTraceFields } from '../../application/ports/frame-telemetry';
import type { FrameDelivery } from '../../application/ports/frame-queue';
import type { PipelineInstrumentation, PipelineStage } from '../../application/ports/pipeline-instrumentation';
import type { Frame } from '../../domain/frame';
import type { StageDurationObserver, TraceContextCounter } from './prometheus-metrics';
import {
  extractTraceContext,
  outgoingTraceFields,
  traceCarrierOfFields,
  traceCarrierOfFrame,
  type ExtractedTraceContext,
  type TraceContextForm,
} from './trace-context';

export interface OtelFrameTelemetryOptions {
  /**
   * The tracer (from `setupTracing`), or null when tracing is disabled: then
   * no span is ever created, stages are only timed, and the producer's trace
   * context is passed through unchanged to published results.
   */
  readonly tracer: Tracer | null;
  readonly processorId: string;
  /** The input stream (`messaging.destination.name`), e.g. `frames:ready:<processor id>`. */
  readonly queue: string;
  readonly consumerGroup?: string;
  /** Stage histogram and trace-context counter (PrometheusMetrics implements both). */
  readonly metrics?: StageDurationObserver & TraceContextCounter;
}

/** Batched stages and their span names; fetch and publish are per frame (FrameTrace.fetching/publishing). */
const BATCH_SPAN_NAMES: Readonly<Partial<Record<PipelineStage, string>>> = {
  decode: 'frame.decode',
  detect: 'faces.detect',
  landmarks: 'faces.landmarks',
  align: 'faces.align',
  embed: 'faces.embed',
  match: 'faces.match',
};

/** Upper bound of the `frame.ids` attribute (MAX_BATCH is at most 256). */
const MAX_FRAME_IDS = 256;

interface BatchScope {
  /** Parent of batched stage spans: the first frame of the batch whose span records (undefined: none does). */
  readonly parent: TracedFrame | undefined;
  readonly links: readonly Link[];
  readonly frameIds: readonly string[];
}

function errorType(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    if (error instanceof Error) return error.name === 'Error' ? error.constructor.name : error.name;
  }
  return typeof error;
}

function recordError(span: Span, error: unknown, type = errorType(error)): void {
  span.setAttribute('error.type', type);
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

type ObserveStage = (stage: PipelineStage, seconds: number) => void;

/** Runs `work` and observes its duration as `stage`, whether it succeeds or not. */
async function timed<T>(observe: ObserveStage | undefined, stage: PipelineStage, work: () => Promise<T>): Promise<T> {
  if (observe === undefined) return work();
  const started = performance.now();
  try {
    return await work();
  } finally {
    observe(stage, (performance.now() - started) / 1000);
  }
}

/** Runs `work` inside `span` (as the active context), recording a failure, and ends the span. */
async function runInSpan<T>(span: Span, parent: Context, work: () => Promise<T> | T): Promise<T> {
  try {
    return await otelContext.with(trace.setSpan(parent, span), work);
  } catch (error) {
    recordError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** A frame traced by the SDK: the `frame.process` span and its children. */
class TracedFrame implements FrameTrace {
  private ended = false;

  constructor(
    private readonly tracer: Tracer,
    readonly span: Span,
    /** A context holding `span`: the parent of every child. */
    readonly context: Context,
    readonly frameId: string | undefined,
    private readonly form: TraceContextForm,
    private readonly observe: ObserveStage | undefined,
  ) {}

  fetching<T>(work: () => Promise<T>): Promise<T> {
    return timed(this.observe, 'fetch', () => runInSpan(this.child('frame.fetch_image', SpanKind.INTERNAL), this.context, work));
  }

  publishing<T>(work: (trace: OutgoingTraceFields) => Promise<T>): Promise<T> {
    return timed(this.observe, 'publish', () => {
      const span = this.child('result.publish', SpanKind.PRODUCER);
      const fields = outgoingTraceFields(span.spanContext(), this.form);
      return runInSpan(span, this.context, () => work(fields));
    });
  }

  annotate(attributes: Readonly<Record<string, string | number | boolean>>): void {
    this.span.setAttributes(attributes);
  }

  end(outcome: FrameOutcome): void {
    if (this.ended) return;
    this.ended = true;
    const span = this.span;
    span.setAttribute('frame.outcome', outcome.status);
    switch (outcome.status) {
      case 'published':
        span.setAttribute('faces.count', outcome.faces);
        span.setStatus({ code: SpanStatusCode.OK });
        break;
      case 'duplicate':
        span.setAttribute('frame.duplicate', true);
        span.setStatus({ code: SpanStatusCode.OK });
        break;
      case 'dead_letter':
        span.setAttribute('dead_letter.reason', outcome.reason);
        recordError(span, outcome.error, outcome.reason);
        break;
      case 'retry':
        recordError(span, outcome.error);
        break;
    }
    span.end();
  }

  private child(name: string, kind: SpanKind): Span {
    return this.tracer.startSpan(name, { kind, attributes: this.frameId !== undefined ? { 'frame.id': this.frameId } : {} }, this.context);
  }
}

/** Tracing disabled: no spans; the producer's context (when valid) goes on to the result unchanged. */
class UntracedFrame implements FrameTrace {
  constructor(
    private readonly extracted: ExtractedTraceContext,
    private readonly observe: ObserveStage | undefined,
  ) {}

  fetching<T>(work: () => Promise<T>): Promise<T> {
    return timed(this.observe, 'fetch', work);
  }

  publishing<T>(work: (trace: OutgoingTraceFields) => Promise<T>): Promise<T> {
    const parent = this.extracted.parent;
    return timed(this.observe, 'publish', () => work(parent === undefined ? {} : outgoingTraceFields(parent, this.extracted.form)));
  }

  annotate(): void {}

  end(): void {}
}

/**
 * Frame traces (OpenTelemetry) and stage timings (the stage histogram) of the
 * frame processor. Per frame: `frame.process` (CONSUMER, child of the
 * producer's context) with `frame.fetch_image` and `result.publish`
 * (PRODUCER) children. Per batched model call inside `inBatch`: one span
 * (`faces.detect`, …) parented to the batch's first frame and linked to every
 * frame of the batch.
 *
 * Timings: `measure(stage)` observes every stage it wraps; `fetching` and
 * `publishing` observe the `fetch` and `publish` stages per frame, so do not
 * also wrap them in `measure('fetch' | 'publish')` (that would count twice).
 */
export class OtelFrameTelemetry implements FrameTelemetry, PipelineInstrumentation {
  private readonly tracer: Tracer | null;
  private readonly batchScope = new AsyncLocalStorage<BatchScope>();
  private readonly baseAttributes: Attributes;
  private readonly observe: ObserveStage | undefined;

  constructor(private readonly options: OtelFrameTelemetryOptions) {
    this.tracer = options.tracer;
    const metrics = options.metrics;
    this.observe = metrics === undefined ? undefined : (stage, seconds) => metrics.observeStage(stage, seconds);
    this.baseAttributes = {
      'processor.id': options.processorId,
      'messaging.system': 'redis',
      'messaging.operation.type': 'process',
      'messaging.destination.name': options.queue,
      ...(options.consumerGroup !== undefined ? { 'messaging.consumer.group.name': options.consumerGroup } : {}),
    };
  }

  // The entry points are instance-bound arrow properties: callers may detach them
  // (AnalyzeFaces does `const { measure } = instrumentation`).

  readonly startFrame = (delivery: FrameDelivery, frame: Frame | null, batchSize: number): FrameTrace => {
    const extracted = extractTraceContext(frame !== null ? traceCarrierOfFrame(frame) : traceCarrierOfFields(delivery.fields));
    if (extracted.status !== 'valid') this.options.metrics?.traceContextUnusable(extracted.status);
    if (this.tracer === null) return new UntracedFrame(extracted, this.observe);

    const frameId = frame?.frameId ?? (delivery.fields.frame_id?.trim() || undefined);
    const attributes: Attributes = {
      ...this.baseAttributes,
      'messaging.message.id': delivery.entryId,
      'batch.size': batchSize,
      'frame.delivery_count': delivery.deliveryCount,
      'trace.parent_valid': extracted.status === 'valid',
    };
    if (frameId !== undefined) attributes['frame.id'] = frameId;
    const cameraId = frame?.cameraId ?? delivery.fields.camera_id;
    if (cameraId) attributes['camera.id'] = cameraId;
    if (frame?.width != null) attributes['image.width'] = frame.width;
    if (frame?.height != null) attributes['image.height'] = frame.height;
    const bytes = frame?.sizeBytes ?? delivery.image?.byteLength;
    if (bytes != null) attributes['image.bytes'] = bytes;

    // Never the active context: a frame's parent is its producer, or nothing.
    const parent = extracted.parent !== undefined ? trace.setSpanContext(ROOT_CONTEXT, extracted.parent) : ROOT_CONTEXT;
    const span = this.tracer.startSpan('frame.process', { kind: SpanKind.CONSUMER, attributes }, parent);
    return new TracedFrame(this.tracer, span, trace.setSpan(parent, span), frameId, extracted.form, this.observe);
  };

  readonly inBatch = <T>(frames: readonly FrameTrace[], work: () => Promise<T>): Promise<T> => {
    if (this.tracer === null) return work();
    const traced = frames.filter((f): f is TracedFrame => f instanceof TracedFrame);
    if (traced.length === 0) return work();
    const parent = traced.find((f) => f.span.isRecording());
    const scope: BatchScope = {
      parent,
      links: traced.map((f) => ({ context: f.span.spanContext() })),
      frameIds: traced.flatMap((f) => (f.frameId !== undefined ? [f.frameId] : [])).slice(0, MAX_FRAME_IDS),
    };
    const run = (): Promise<T> => this.batchScope.run(scope, work);
    return parent === undefined ? run() : otelContext.with(parent.context, run);
  };

  readonly measure = async <T>(stage: PipelineStage, batchSize: number, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    try {
      const scope = this.tracer === null ? undefined : this.batchScope.getStore();
      const name = BATCH_SPAN_NAMES[stage];
      if (scope?.parent === undefined || name === undefined) return await work();
      const span = (this.tracer as Tracer).startSpan(
        name,
        {
          kind: SpanKind.INTERNAL,
          attributes: { 'pipeline.stage': stage, 'batch.size': batchSize, 'frame.count': scope.links.length, 'frame.ids': [...scope.frameIds] },
          links: [...scope.links],
        },
        scope.parent.context,
      );
      return await runInSpan(span, scope.parent.context, work);
    } finally {
      this.observe?.(stage, (performance.now() - started) / 1000);
    }
  };
}
