import type { Frame } from '../../domain/frame';
import type { IdentityMatch } from '../../domain/identity';
import type { FrameDelivery } from './frame-queue';
import type { PipelineInstrumentation } from './pipeline-instrumentation';

/** W3C trace fields written into a published result so downstream services continue the trace. */
export type OutgoingTraceFields = Readonly<Record<string, string>>;

export type FrameOutcome =
  | { readonly status: 'published'; readonly faces: number }
  | { readonly status: 'duplicate' }
  | { readonly status: 'dead_letter'; readonly reason: string; readonly error: unknown }
  | { readonly status: 'retry'; readonly error: unknown };

/** The trace of one frame (the `frame.process` span and its children). */
export interface FrameTrace {
  /** Runs the image fetch as a child span (`frame.fetch_image`). */
  fetching<T>(work: () => Promise<T>): Promise<T>;
  /** Runs the publication as a child span (`result.publish`); `work` receives that span's trace fields. */
  publishing<T>(work: (trace: OutgoingTraceFields) => Promise<T>): Promise<T>;
  annotate(attributes: Readonly<Record<string, string | number | boolean>>): void;
  end(outcome: FrameOutcome): void;
}

/**
 * Tracing of frames. Each frame continues the producer's trace carried in its
 * entry (traceparent, or trace_context JSON); an invalid or missing context
 * starts a new root and never fails the frame.
 */
export interface FrameTelemetry {
  startFrame(delivery: FrameDelivery, frame: Frame | null, batchSize: number): FrameTrace;
  /**
   * Runs work shared by a batch of frames. `work` receives the instrumentation
   * of this batch: pass it to every stage of the batch (AnalyzeFaces.execute),
   * so that each batched stage is timed once and traced once for all the
   * frames of the batch that are traced.
   */
  inBatch<T>(frames: readonly FrameTrace[], work: (instrumentation: PipelineInstrumentation) => Promise<T>): Promise<T>;
}

/** Counters and gauges of the frame processor (Prometheus in production). */
export interface ProcessorMetrics {
  frameFinished(status: FrameOutcome['status'], totalSeconds: number): void;
  facesDetected(count: number): void;
  /** The identity decisions of a published frame's faces (one per face matched against the gallery). */
  facesMatched(matches: readonly IdentityMatch[]): void;
  deadLettered(reason: string): void;
  batchFormed(frames: number): void;
  /** Frame capture time → processing start. */
  queueLag(seconds: number): void;
  inflight(frames: number): void;
}
