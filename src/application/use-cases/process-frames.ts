import { errorCode, FaceRecognitionError } from '../../domain/errors';
import { parseFrame, type Frame } from '../../domain/frame';
import { buildResultFields } from '../../domain/frame-result';
import type { FrameDelivery, FrameQueue } from '../ports/frame-queue';
import type { FrameImageStore } from '../ports/frame-image-store';
import type { FrameOutcome, FrameTelemetry, FrameTrace, ProcessorMetrics } from '../ports/frame-telemetry';
import type { ResultPublisher } from '../ports/result-publisher';
import type { AnalyzeFaces } from './analyze-faces';

export interface ProcessFramesSettings {
  readonly processorId: string;
  readonly modelVersion: string;
  /** Deliveries after which a frame that keeps failing is dead-lettered. */
  readonly maxAttempts: number;
  readonly publishEmbeddings: boolean;
}

export interface ProcessFramesPorts {
  readonly analyze: AnalyzeFaces;
  readonly images: FrameImageStore;
  readonly queue: FrameQueue;
  readonly publisher: ResultPublisher;
  readonly telemetry: FrameTelemetry;
  readonly metrics: ProcessorMetrics;
  readonly now: () => number;
}

/**
 * Errors that retrying cannot fix: the frame goes to the dead-letter stream
 * at once. Anything else (Redis or model failures) leaves the entry pending
 * for another delivery, until MAX_ATTEMPTS.
 */
const PERMANENT_ERRORS = new Set([
  'invalid_frame',
  'image_decode_error',
  'invalid_image',
  'image_too_large',
  'image_not_found',
  'forbidden_image_path',
]);

const isPermanent = (error: unknown): boolean => PERMANENT_ERRORS.has(errorCode(error));

interface InFlight {
  readonly delivery: FrameDelivery;
  readonly frame: Frame;
  readonly trace: FrameTrace;
  readonly startedMs: number;
  readonly queueLagMs: number | null;
  image?: Uint8Array;
}

/**
 * One batch of queue deliveries → one result per frame on the result stream,
 * or a dead-letter entry, or (transient failure) nothing yet: the entry stays
 * pending and comes back. Never throws for a single bad frame.
 */
export class ProcessFrames {
  constructor(
    private readonly ports: ProcessFramesPorts,
    private readonly settings: ProcessFramesSettings,
  ) {}

  async execute(deliveries: readonly FrameDelivery[]): Promise<FrameOutcome[]> {
    const { metrics, telemetry, now } = this.ports;
    metrics.batchFormed(deliveries.length);
    const outcomes = new Map<FrameDelivery, FrameOutcome>();
    const frames: InFlight[] = [];

    for (const delivery of deliveries) {
      const startedMs = now();
      let frame: Frame;
      try {
        frame = parseFrame(delivery.fields);
      } catch (error) {
        const trace = telemetry.startFrame(delivery, null, deliveries.length);
        outcomes.set(delivery, await this.fail(delivery, trace, error, startedMs));
        continue;
      }
      const trace = telemetry.startFrame(delivery, frame, deliveries.length);
      const queueLagMs = frame.capturedAtMs === null ? null : Math.max(0, startedMs - frame.capturedAtMs);
      if (queueLagMs !== null) metrics.queueLag(queueLagMs / 1000);
      if (delivery.deliveryCount > this.settings.maxAttempts) {
        const error = new ExhaustedAttempts(delivery.deliveryCount, this.settings.maxAttempts, frame.frameId);
        outcomes.set(delivery, await this.fail(delivery, trace, error, startedMs));
        continue;
      }
      frames.push({ delivery, frame, trace, startedMs, queueLagMs });
    }

    await Promise.all(
      frames.map(async (f) => {
        try {
          f.image = await f.trace.fetching(() => this.ports.images.fetch(f.frame, f.delivery));
          f.trace.annotate({ 'image.bytes': f.image.length });
        } catch (error) {
          outcomes.set(f.delivery, await this.fail(f.delivery, f.trace, error, f.startedMs));
        }
      }),
    );

    const fetched = frames.filter((f) => f.image !== undefined);
    if (fetched.length > 0) {
      try {
        const analyses = await telemetry.inBatch(
          fetched.map((f) => f.trace),
          (instrumentation) => this.ports.analyze.execute(fetched.map((f) => f.image as Uint8Array), instrumentation),
        );
        await Promise.all(
          fetched.map(async (f, i) => {
            const analysis = analyses[i];
            if (!analysis || !analysis.ok) {
              outcomes.set(f.delivery, await this.fail(f.delivery, f.trace, analysis?.error, f.startedMs));
              return;
            }
            outcomes.set(f.delivery, await this.publish(f, analysis.value.faces));
          }),
        );
      } catch (error) {
        // The batch itself failed (e.g. inference error): every frame in it is retried.
        await Promise.all(fetched.map(async (f) => outcomes.set(f.delivery, await this.fail(f.delivery, f.trace, error, f.startedMs))));
      }
    }
    return deliveries.map((d) => outcomes.get(d) as FrameOutcome);
  }

  private async publish(f: InFlight, faces: Parameters<typeof buildResultFields>[1]): Promise<FrameOutcome> {
    const { metrics, now, publisher } = this.ports;
    try {
      const published = await f.trace.publishing((traceFields) => {
        const finishedMs = now();
        const fields = buildResultFields(f.frame, faces, {
          processorId: this.settings.processorId,
          modelVersion: this.settings.modelVersion,
          processedAtMs: finishedMs,
          latencyMs: finishedMs - f.startedMs,
          queueLagMs: f.queueLagMs,
          includeEmbeddings: this.settings.publishEmbeddings,
        });
        return publisher.publish(f.delivery, f.frame.frameId, { ...fields, ...traceFields });
      });
      const outcome: FrameOutcome = published === 'published' ? { status: 'published', faces: faces.length } : { status: 'duplicate' };
      if (published === 'published') {
        metrics.facesDetected(faces.length);
        metrics.facesMatched(faces.flatMap((face) => (face.identity ? [face.identity] : [])));
      }
      f.trace.annotate({ 'faces.count': faces.length });
      f.trace.end(outcome);
      metrics.frameFinished(outcome.status, (now() - f.startedMs) / 1000);
      return outcome;
    } catch (error) {
      return this.fail(f.delivery, f.trace, error, f.startedMs);
    }
  }

  /** Dead-letters permanent failures and exhausted frames; leaves others pending for redelivery. */
  private async fail(delivery: FrameDelivery, trace: FrameTrace, error: unknown, startedMs: number): Promise<FrameOutcome> {
    const { metrics, now, queue } = this.ports;
    const permanent = isPermanent(error) || error instanceof ExhaustedAttempts;
    let outcome: FrameOutcome;
    if (permanent || delivery.deliveryCount >= this.settings.maxAttempts) {
      const reason = error instanceof ExhaustedAttempts ? 'max_attempts' : permanent ? errorCode(error) : 'max_attempts';
      try {
        await queue.deadLetter(delivery, {
          reason,
          errorType: error instanceof Error ? error.name : 'Error',
          message: error instanceof Error ? error.message : String(error),
        });
        metrics.deadLettered(reason);
        outcome = { status: 'dead_letter', reason, error };
      } catch (deadLetterError) {
        // Redis is unavailable: the entry stays pending and will be dead-lettered on its next delivery.
        outcome = { status: 'retry', error: deadLetterError };
      }
    } else {
      outcome = { status: 'retry', error };
    }
    trace.end(outcome);
    metrics.frameFinished(outcome.status, (now() - startedMs) / 1000);
    return outcome;
  }
}

/** A frame delivered more often than MAX_ATTEMPTS (e.g. it crashed every consumer that took it). */
export class ExhaustedAttempts extends FaceRecognitionError {
  readonly code = 'max_attempts';
  constructor(deliveries: number, maxAttempts: number, frameId: string) {
    super(`frame ${frameId} was delivered ${deliveries} times, more than MAX_ATTEMPTS=${maxAttempts}`, { frameId, deliveries, maxAttempts });
  }
}
