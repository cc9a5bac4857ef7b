import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import type { FrameDelivery, FrameQueue } from '../../../src/application/ports/frame-queue';
import type { ProcessorMetrics } from '../../../src/application/ports/frame-telemetry';
import type { PipelineInstrumentation, PipelineStage } from '../../../src/application/ports/pipeline-instrumentation';
import { AnalyzeFaces, type AnalyzeFacesPorts } from '../../../src/application/use-cases/analyze-faces';
import { ProcessFrames } from '../../../src/application/use-cases/process-frames';
import type { RgbImage } from '../../../src/domain/image';
import type { FivePointLandmarks } from '../../../src/domain/landmarks';
import { OtelFrameTelemetry } from '../../../src/infrastructure/telemetry/otel-frame-telemetry';
import type { StageDurationObserver, TraceContextCounter } from '../../../src/infrastructure/telemetry/prometheus-metrics';
import { setupTracing, type Tracing } from '../../../src/infrastructure/telemetry/tracing';

/**
 * ProcessFrames hands the batch's instrumentation (FrameTelemetry.inBatch) to
 * AnalyzeFaces, which uses it instead of the one it was built with: every
 * stage is timed once, and traced once for the batch's sampled frames.
 * Models are fakes: this is about the wiring, not the faces.
 */

const STAGES: PipelineStage[] = ['decode', 'detect', 'landmarks', 'align', 'embed', 'match'];
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

const image: RgbImage = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).map((_, i) => (i * 37) % 256) };
const landmarks: FivePointLandmarks = [
  { x: 30, y: 40 },
  { x: 70, y: 40 },
  { x: 50, y: 60 },
  { x: 35, y: 80 },
  { x: 65, y: 80 },
];

const fakeModels: AnalyzeFacesPorts = {
  decoder: { decode: async (bytes) => bytes.map(() => ({ ok: true as const, value: image })) },
  detector: { detect: async (images) => images.map(() => [{ box: { x1: 0, y1: 0, x2: 100, y2: 100 }, score: 0.9 }]) },
  landmarks: { locate: async (faces) => faces.map(() => landmarks) },
  aligner: { align: async (faces) => faces.map(() => image) },
  embedder: { embed: async (crops) => crops.map(() => new Float32Array([1, 0, 0, 0])) },
};

const options = { quality: { minFaceSize: 0, minSharpness: 0, maxYawDegrees: 90 }, flipAugmentation: false, identifyThreshold: 0.5 };

class RecordingMetrics implements StageDurationObserver, TraceContextCounter {
  readonly stages: string[] = [];
  observeStage(stage: PipelineStage | 'total'): void {
    this.stages.push(stage);
  }
  traceContextUnusable(): void {}
}

const noMetrics: ProcessorMetrics = {
  frameFinished: () => undefined,
  facesDetected: () => undefined,
  facesMatched: () => undefined,
  deadLettered: () => undefined,
  batchFormed: () => undefined,
  queueLag: () => undefined,
  inflight: () => undefined,
};

const delivery = (frameId: string, sampled: boolean): FrameDelivery => ({
  entryId: `1-${frameId}`,
  deliveryCount: 1,
  image: new Uint8Array([1, 2, 3]),
  fields: {
    frame_id: frameId,
    camera_id: 'cam-1',
    timestamp: new Date().toISOString(),
    traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-${sampled ? '01' : '00'}`,
  },
});

describe('ProcessFrames with OtelFrameTelemetry', () => {
  let exporter: InMemorySpanExporter;
  let tracing: Tracing;
  let metrics: RecordingMetrics;
  let built: jest.Mocked<PipelineInstrumentation>;
  let processFrames: ProcessFrames;
  let analyze: AnalyzeFaces;

  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    // The producer's sampled flag decides each frame's fate.
    tracing = setupTracing({ serviceName: 'test', exporter, processor: 'simple', sampler: 'parentbased_always_on', instrumentRedis: false });
    metrics = new RecordingMetrics();
    const telemetry = new OtelFrameTelemetry({ tracer: tracing.tracer, processorId: 'proc-1', queue: 'q', metrics });
    built = { measure: jest.fn(async (_stage, _size, work) => work()) } as jest.Mocked<PipelineInstrumentation>;
    analyze = new AnalyzeFaces({ ...fakeModels, instrumentation: built }, options);
    const queue = { deadLetter: async () => undefined } as unknown as FrameQueue;
    processFrames = new ProcessFrames(
      {
        analyze,
        images: { fetch: async (_frame, d) => d.image as Uint8Array },
        queue,
        publisher: { publish: async () => 'published' },
        telemetry,
        metrics: noMetrics,
        now: Date.now,
      },
      { processorId: 'proc-1', modelVersion: 'test', maxAttempts: 3, publishEmbeddings: false },
    );
  });

  afterEach(async () => {
    await tracing.shutdown();
  });

  it('times every stage once through the batch instrumentation and traces the sampled frame only', async () => {
    const outcomes = await processFrames.execute([delivery('out', false), delivery('in', true), delivery('out-2', false)]);
    expect(outcomes.map((o) => o.status)).toEqual(['published', 'published', 'published']);
    expect(built.measure).not.toHaveBeenCalled();
    for (const stage of STAGES) expect({ stage, observed: metrics.stages.filter((s) => s === stage).length }).toEqual({ stage, observed: 1 });
    expect(metrics.stages.filter((s) => s === 'fetch')).toHaveLength(3);
    expect(metrics.stages.filter((s) => s === 'publish')).toHaveLength(3);

    const spans = exporter.getFinishedSpans();
    const frame = spans.filter((s) => s.name === 'frame.process');
    expect(frame.map((s) => s.attributes['frame.id'])).toEqual(['in']);
    const detect = spans.filter((s) => s.name === 'faces.detect');
    expect(detect).toHaveLength(1);
    expect(detect[0]?.links.map((l) => l.context.spanId)).toEqual([frame[0]?.spanContext().spanId]);
    expect(spans).toHaveLength(1 + 2 + STAGES.length);
  });

  it('leaves a batch of unsampled frames without spans, still timing every stage once', async () => {
    await processFrames.execute([delivery('a', false), delivery('b', false)]);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(built.measure).not.toHaveBeenCalled();
    expect(metrics.stages.filter((s) => s !== 'fetch' && s !== 'publish')).toEqual(STAGES);
  });

  it('lets AnalyzeFaces fall back on the instrumentation it was built with', async () => {
    await analyze.execute([new Uint8Array([1])]);
    expect(built.measure.mock.calls.map(([stage]) => stage)).toEqual(STAGES);
    expect(metrics.stages).toEqual([]);
  });
});
