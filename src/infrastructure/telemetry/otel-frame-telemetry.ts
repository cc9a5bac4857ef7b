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
  type SpanContext,
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

/** Batched stages and their span names; fetch and publish are per frame (FrameTrace.fetching/publishing). API requests name their stage spans alike. */
export const BATCH_SPAN_NAMES: Readonly<Partial<Record<PipelineStage, string>>> = {
  decode: 'frame.decode',
  detect: 'faces.detect',
  landmarks: 'faces.landmarks',
  align: 'faces.align',
  embed: 'faces.embed',
  match: 'faces.match',
};

/** Upper bound of the `frame.ids` attribute (MAX_BATCH is at most 256). */
const MAX_FRAME_IDS = 256;

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
async function timed<T>(observe: ObserveStage | undefined, stage: PipelineStage, work: () => Promise<T> | T): Promise<T> {
  if (observe === undefined) return work();
  const started = performance.now();
  try {
    return await work();
  } finally {
    observe(stage, (performance.now() - started) / 1000);
  }
}

/**
 * Runs `work` under `span`, recording a failure, and ends the span. With
 * `activeParent`, a recording span is also made the active context while
 * `work` runs: only the frame's own Redis calls (fetch, publish) need that, so
 * that the ioredis instrumentation (requireParentSpan) makes their spans
 * children of the frame's. An active context costs a context and an
 * AsyncLocalStorage run, so nothing else sets one.
 */
async function runInSpan<T>(span: Span, work: () => Promise<T> | T, activeParent?: Context): Promise<T> {
  try {
    return await (activeParent !== undefined && span.isRecording() ? otelContext.with(trace.setSpan(activeParent, span), work) : work());
  } catch (error) {
    recordError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * A frame whose `frame.process` span records (it is sampled): the span, its
 * `frame.fetch_image` and `result.publish` children, and the batched stage
 * spans it takes part in (BatchSpans).
 */
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
    return timed(this.observe, 'fetch', () => runInSpan(this.child('frame.fetch_image', SpanKind.INTERNAL), work, this.context));
  }

  publishing<T>(work: (trace: OutgoingTraceFields) => Promise<T>): Promise<T> {
    return timed(this.observe, 'publish', () => {
      const span = this.child('result.publish', SpanKind.PRODUCER);
      const fields = outgoingTraceFields(span.spanContext(), this.form);
      return runInSpan(span, () => work(fields), this.context);
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

/**
 * A frame that leaves no span in this process, only stage timings and the
 * trace context its result hands on: `outgoing` is its own non-recording
 * `frame.process` span context (sampled out: same trace, flags 00), or the
 * producer's context unchanged when tracing is disabled (undefined: none).
 * Unsampled frames are the common case (default ratio 0.1), so nothing here
 * builds attributes, children or contexts.
 */
class PassThroughFrame implements FrameTrace {
  constructor(
    private readonly outgoing: SpanContext | undefined,
    private readonly form: TraceContextForm,
    private readonly observe: ObserveStage | undefined,
  ) {}

  fetching<T>(work: () => Promise<T>): Promise<T> {
    return timed(this.observe, 'fetch', work);
  }

  publishing<T>(work: (trace: OutgoingTraceFields) => Promise<T>): Promise<T> {
    const outgoing = this.outgoing;
    return timed(this.observe, 'publish', () => work(outgoing === undefined ? {} : outgoingTraceFields(outgoing, this.form)));
  }

  annotate(): void {}

  end(): void {}
}

/**
 * The instrumentation of a batch with at least one recording frame: each
 * batched stage is one span, a child of the first recording frame, linked to
 * every recording frame (frames sampled out have no span to link to).
 */
class BatchSpans implements PipelineInstrumentation {
  private readonly parent: TracedFrame;
  private readonly links: Link[];
  private readonly frameIds: string[];

  constructor(
    private readonly tracer: Tracer,
    frames: readonly TracedFrame[],
    private readonly observe: ObserveStage | undefined,
  ) {
    this.parent = frames[0] as TracedFrame;
    this.links = frames.map((f) => ({ context: f.span.spanContext() }));
    this.frameIds = frames.flatMap((f) => (f.frameId !== undefined ? [f.frameId] : [])).slice(0, MAX_FRAME_IDS);
  }

  measure<T>(stage: PipelineStage, batchSize: number, work: () => Promise<T> | T): Promise<T> {
    const name = BATCH_SPAN_NAMES[stage];
    if (name === undefined) return timed(this.observe, stage, work);
    return timed(this.observe, stage, () => {
      const parent = this.parent.context;
      // The SDK copies links and attribute arrays into the span: sharing them between stages is safe.
      const span = this.tracer.startSpan(name, { kind: SpanKind.INTERNAL, links: this.links }, parent);
      if (span.isRecording()) {
        span.setAttributes({ 'pipeline.stage': stage, 'batch.size': batchSize, 'frame.count': this.links.length, 'frame.ids': this.frameIds });
      }
      // No active context: the model stages make no Redis calls.
      return runInSpan(span, work);
    });
  }
}

/**
 * Frame traces (OpenTelemetry) and stage timings (the stage histogram) of the
 * frame processor. Per sampled frame: `frame.process` (CONSUMER, child of the
 * producer's context) with `frame.fetch_image` and `result.publish`
 * (PRODUCER) children. Per batched model call, when at least one frame of
 * the batch is sampled: one span (`faces.detect`, …) parented to the batch's
 * first sampled frame and linked to every sampled frame. A frame sampled out
 * costs one non-recording span, whose context its result carries on.
 *
 * Contexts are passed explicitly (the producer's, the frame's, the batch's
 * instrumentation handed to `inBatch`'s work); the active context is set
 * only around a sampled frame's fetch and publish, the scopes that send Redis
 * commands, for the ioredis instrumentation.
 *
 * Timings: every stage is observed once, by whichever instrumentation runs it
 * (this object outside a batch, the one `inBatch` hands over inside);
 * `fetching` and `publishing` observe the `fetch` and `publish` stages per
 * frame, so do not also wrap them in `measure('fetch' | 'publish')` (that
 * would count twice).
 */
export class OtelFrameTelemetry implements FrameTelemetry, PipelineInstrumentation {
  private readonly tracer: Tracer | null;
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

  // The entry points are instance-bound arrow properties, so callers may detach them.

  readonly startFrame = (delivery: FrameDelivery, frame: Frame | null, batchSize: number): FrameTrace => {
    const extracted = extractTraceContext(frame !== null ? traceCarrierOfFrame(frame) : traceCarrierOfFields(delivery.fields));
    if (extracted.status !== 'valid') this.options.metrics?.traceContextUnusable(extracted.status);
    if (this.tracer === null) return new PassThroughFrame(extracted.parent, extracted.form, this.observe);

    // Never the active context: a frame's parent is its producer, or nothing.
    const parent = extracted.parent !== undefined ? trace.setSpanContext(ROOT_CONTEXT, extracted.parent) : ROOT_CONTEXT;
    // No attributes at the start: our samplers (createSampler: parent-based, trace-id ratio, always on/off)
    // decide on the parent and the trace id alone, so attributes are only built for spans that record.
    const span = this.tracer.startSpan('frame.process', { kind: SpanKind.CONSUMER }, parent);
    if (!span.isRecording()) return new PassThroughFrame(span.spanContext(), extracted.form, this.observe);

    const frameId = frame?.frameId ?? (delivery.fields.frame_id?.trim() || undefined);
    span.setAttributes(this.baseAttributes);
    span.setAttributes(frameAttributes(delivery, frame, batchSize, extracted.status === 'valid', frameId));
    return new TracedFrame(this.tracer, span, trace.setSpan(parent, span), frameId, extracted.form, this.observe);
  };

  readonly inBatch = <T>(frames: readonly FrameTrace[], work: (instrumentation: PipelineInstrumentation) => Promise<T>): Promise<T> => {
    let recording: TracedFrame[] | undefined;
    if (this.tracer !== null) for (const f of frames) if (f instanceof TracedFrame) (recording ??= []).push(f);
    return work(recording === undefined ? this : new BatchSpans(this.tracer as Tracer, recording, this.observe));
  };

  /** Outside a batch (e.g. enrolment) and for batches with no sampled frame: times the stage, no span. */
  readonly measure = <T>(stage: PipelineStage, _batchSize: number, work: () => Promise<T> | T): Promise<T> => timed(this.observe, stage, work);
}

/** The attributes of a recording `frame.process` span, beyond the processor's own. */
function frameAttributes(delivery: FrameDelivery, frame: Frame | null, batchSize: number, parentValid: boolean, frameId: string | undefined): Attributes {
  const attributes: Attributes = {
    'messaging.message.id': delivery.entryId,
    'batch.size': batchSize,
    'frame.delivery_count': delivery.deliveryCount,
    'trace.parent_valid': parentValid,
  };
  if (frameId !== undefined) attributes['frame.id'] = frameId;
  const cameraId = frame?.cameraId ?? delivery.fields.camera_id;
  if (cameraId) attributes['camera.id'] = cameraId;
  if (frame?.width != null) attributes['image.width'] = frame.width;
  if (frame?.height != null) attributes['image.height'] = frame.height;
  const bytes = frame?.sizeBytes ?? delivery.image?.byteLength;
  if (bytes != null) attributes['image.bytes'] = bytes;
  return attributes;
}
