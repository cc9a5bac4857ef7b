import { randomBytes } from 'node:crypto';
import type { FrameTrace } from '../../../src/application/ports/frame-telemetry';
import type { FrameDelivery } from '../../../src/application/ports/frame-queue';
import { parseFrame } from '../../../src/domain/frame';
import { OtelFrameTelemetry } from '../../../src/infrastructure/telemetry/otel-frame-telemetry';
import { PrometheusMetrics } from '../../../src/infrastructure/telemetry/prometheus-metrics';
import { setupTracing, type Tracing } from '../../../src/infrastructure/telemetry/tracing';
import { OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver';

// Lets the real OTLP/HTTP exporter send under jest (see the helper's comment).
jest.mock(jest.requireActual<typeof import('../../support/otlp-receiver')>('../../support/otlp-receiver').OTLP_HTTP_TRANSPORT_MODULE, () =>
  jest.requireActual<typeof import('../../support/otlp-receiver')>('../../support/otlp-receiver').jestOtlpHttpTransportModule(),
);

/**
 * Exports real spans over OTLP/HTTP to a real HTTP receiver and checks the
 * trace a frame leaves, driving OtelFrameTelemetry the way the frame
 * processor does.
 */

const QUEUE = 'frames:ready:face-recognition-it';
const CONSUMER = 5; // OTLP SpanKind
const PRODUCER = 4;
const STATUS_OK = 1;
const STATUS_ERROR = 2;

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

interface Producer {
  readonly traceId: string;
  readonly spanId: string;
}
const newProducer = (): Producer => ({ traceId: hex(16), spanId: hex(8) });

function delivery(frameId: string, traceFields: Record<string, string>, entryId = `${Date.now()}-0`): FrameDelivery {
  return {
    entryId,
    deliveryCount: 1,
    fields: {
      frame_id: frameId,
      camera_id: 'cam-7',
      timestamp: new Date().toISOString(),
      width: '250',
      height: '250',
      size_bytes: '18000',
      format: 'jpeg',
      storage_path: `/frames/${frameId}.jpg`,
      ...traceFields,
    },
  };
}

describe('frame tracing over OTLP/HTTP', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let metrics: PrometheusMetrics;
  let telemetry: OtelFrameTelemetry;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    tracing = setupTracing({
      serviceName: 'face-recognition-it',
      serviceVersion: '0.0.0-test',
      endpoint: receiver.endpoint,
      sampler: 'always_on',
      batch: { scheduledDelayMillis: 50 },
    });
    metrics = new PrometheusMetrics({ gpu: false, defaultMetrics: false });
    telemetry = new OtelFrameTelemetry({ tracer: tracing.tracer, processorId: 'face-recognition-it', queue: QUEUE, consumerGroup: 'face-recognition', metrics });
  });

  afterAll(async () => {
    await tracing?.shutdown();
    await receiver?.stop();
  });

  beforeEach(() => receiver.clear());

  const start = (d: FrameDelivery, batchSize = 1): FrameTrace => telemetry.startFrame(d, parseFrame(d.fields), batchSize);

  /** Runs one batch through the stages in the processor's order; returns the published trace fields per frame. */
  async function processBatch(frames: readonly FrameTrace[], via: OtelFrameTelemetry = telemetry): Promise<Record<string, string>[]> {
    const images = await Promise.all(frames.map((f) => f.fetching(async () => new Uint8Array(16))));
    await via.inBatch(frames, async (instrumentation) => {
      await instrumentation.measure('decode', images.length, async () => images);
      await instrumentation.measure('detect', images.length, async () => [[1]]);
      await instrumentation.measure('landmarks', 1, async () => [[1]]);
      await instrumentation.measure('align', 1, () => [[1]]);
      await instrumentation.measure('embed', 1, async () => [[1]]);
      await instrumentation.measure('match', 1, () => undefined);
    });
    const published: Record<string, string>[] = [];
    for (const frame of frames) {
      frame.annotate({ 'faces.count': 1 });
      published.push(await frame.publishing(async (fields) => ({ ...fields })));
      frame.end({ status: 'published', faces: 1 });
    }
    return published;
  }

  async function exported(predicate: (spans: readonly ReceivedSpan[]) => boolean): Promise<readonly ReceivedSpan[]> {
    await tracing.forceFlush();
    await receiver.waitFor(predicate);
    return receiver.spans;
  }

  const one = (spans: readonly ReceivedSpan[], name: string): ReceivedSpan => {
    const found = spans.filter((s) => s.name === name);
    expect(found.map((s) => s.name)).toEqual([name]);
    return found[0] as ReceivedSpan;
  };

  it('continues the producer trace (traceparent field) with the whole span tree of a frame', async () => {
    const producer = newProducer();
    const frame = start(delivery('frame-1', { traceparent: `00-${producer.traceId}-${producer.spanId}-01` }, '1700000000000-1'));
    const [published] = await processBatch([frame]);
    const spans = await exported((s) => s.some((x) => x.name === 'frame.process'));

    const root = one(spans, 'frame.process');
    expect(root.traceId).toBe(producer.traceId);
    expect(root.parentSpanId).toBe(producer.spanId);
    expect(root.kind).toBe(CONSUMER);
    expect(root.status.code).toBe(STATUS_OK);
    expect(root.attributes).toMatchObject({
      'frame.id': 'frame-1',
      'camera.id': 'cam-7',
      'processor.id': 'face-recognition-it',
      'batch.size': 1,
      'messaging.system': 'redis',
      'messaging.destination.name': QUEUE,
      'messaging.message.id': '1700000000000-1',
      'image.width': 250,
      'image.height': 250,
      'image.bytes': 18000,
      'trace.parent_valid': true,
      'faces.count': 1,
    });
    expect(root.resource).toMatchObject({ 'service.name': 'face-recognition-it', 'service.version': '0.0.0-test' });

    const children = ['frame.fetch_image', 'frame.decode', 'faces.detect', 'faces.landmarks', 'faces.align', 'faces.embed', 'faces.match', 'result.publish'];
    for (const name of children) {
      const child = one(spans, name);
      expect(child.traceId).toBe(producer.traceId);
      expect(child.parentSpanId).toBe(root.spanId);
      const carriesFrameId = child.attributes['frame.id'] === 'frame-1' || (child.attributes['frame.ids'] as string[] | undefined)?.includes('frame-1');
      const linksFrame = child.links.some((l) => l.spanId === root.spanId);
      expect({ name, frameId: carriesFrameId || linksFrame }).toEqual({ name, frameId: true });
    }
    expect(spans).toHaveLength(1 + children.length);

    const publish = one(spans, 'result.publish');
    expect(publish.kind).toBe(PRODUCER);
    expect(published?.traceparent).toBe(`00-${producer.traceId}-${publish.spanId}-01`);
    expect(JSON.parse(published?.trace_context as string)).toEqual({ traceparent: published?.traceparent });
  });

  it('continues a trace_context in the ids form and answers in the same form', async () => {
    const producer = newProducer();
    const frame = start(delivery('frame-ids', { trace_context: JSON.stringify({ trace_id: producer.traceId, span_id: producer.spanId, trace_flags: '01' }) }));
    const [published] = await processBatch([frame]);
    const spans = await exported((s) => s.some((x) => x.name === 'frame.process'));
    const root = one(spans, 'frame.process');
    expect(root.traceId).toBe(producer.traceId);
    expect(root.parentSpanId).toBe(producer.spanId);
    const publish = one(spans, 'result.publish');
    expect(JSON.parse(published?.trace_context as string)).toEqual({ trace_id: producer.traceId, span_id: publish.spanId, trace_flags: '01' });
  });

  it('continues a trace_context in the traceparent form', async () => {
    const producer = newProducer();
    const frame = start(delivery('frame-tp', { trace_context: JSON.stringify({ traceparent: `00-${producer.traceId}-${producer.spanId}-01`, tracestate: 'fb=1' }) }));
    const [published] = await processBatch([frame]);
    const spans = await exported((s) => s.some((x) => x.name === 'frame.process'));
    expect(one(spans, 'frame.process').parentSpanId).toBe(producer.spanId);
    expect(published?.tracestate).toBe('fb=1');
    expect(JSON.parse(published?.trace_context as string)).toEqual({ traceparent: published?.traceparent, tracestate: 'fb=1' });
  });

  it('starts a new root for an invalid context and counts it', async () => {
    const before = await invalidCount();
    const frame = start(delivery('frame-bad', { traceparent: `00-${'0'.repeat(32)}-${hex(8)}-01` }));
    await processBatch([frame]);
    const spans = await exported((s) => s.some((x) => x.name === 'frame.process'));
    const root = one(spans, 'frame.process');
    expect(root.parentSpanId).toBeUndefined();
    expect(root.traceId).not.toBe('0'.repeat(32));
    expect(root.attributes['trace.parent_valid']).toBe(false);
    expect(one(spans, 'faces.detect').traceId).toBe(root.traceId);
    expect(await invalidCount()).toBe(before + 1);
  });

  it('makes one span per batched stage for two frames, linked to both', async () => {
    const p1 = newProducer();
    const p2 = newProducer();
    const a = start(delivery('frame-a', { traceparent: `00-${p1.traceId}-${p1.spanId}-01` }), 2);
    const b = start(delivery('frame-b', { traceparent: `00-${p2.traceId}-${p2.spanId}-01` }), 2);
    await processBatch([a, b]);
    const spans = await exported((s) => s.filter((x) => x.name === 'frame.process').length === 2);
    const frameA = spans.find((s) => s.name === 'frame.process' && s.attributes['frame.id'] === 'frame-a') as ReceivedSpan;
    const frameB = spans.find((s) => s.name === 'frame.process' && s.attributes['frame.id'] === 'frame-b') as ReceivedSpan;
    expect(frameA.traceId).toBe(p1.traceId);
    expect(frameB.traceId).toBe(p2.traceId);

    const detect = one(spans, 'faces.detect');
    expect(detect.parentSpanId).toBe(frameA.spanId);
    expect(detect.links.map((l) => [l.traceId, l.spanId])).toEqual([
      [p1.traceId, frameA.spanId],
      [p2.traceId, frameB.spanId],
    ]);
    expect(detect.attributes['frame.ids']).toEqual(['frame-a', 'frame-b']);
    expect(detect.attributes['batch.size']).toBe(2);
    // Per-frame spans stay in each frame's own trace.
    expect(spans.filter((s) => s.name === 'result.publish').map((s) => s.traceId).sort()).toEqual([p1.traceId, p2.traceId].sort());
    expect(spans.filter((s) => s.name === 'frame.fetch_image')).toHaveLength(2);
  });

  it('traces only the sampled frame of a batch: its stage spans link to it alone, the others export nothing', async () => {
    // The service's default family: the producer's sampled flag decides.
    const parentBased = setupTracing({
      serviceName: 'face-recognition-it',
      endpoint: receiver.endpoint,
      sampler: 'parentbased_always_on',
      batch: { scheduledDelayMillis: 50 },
      instrumentRedis: false,
      registerGlobally: false,
    });
    try {
      const sampledOut = newProducer();
      const sampled = newProducer();
      const via = new OtelFrameTelemetry({ tracer: parentBased.tracer, processorId: 'face-recognition-it', queue: QUEUE, metrics });
      const startVia = (d: FrameDelivery): FrameTrace => via.startFrame(d, parseFrame(d.fields), 2);
      const out = startVia(delivery('frame-out', { traceparent: `00-${sampledOut.traceId}-${sampledOut.spanId}-00` }));
      const kept = startVia(delivery('frame-kept', { traceparent: `00-${sampled.traceId}-${sampled.spanId}-01` }));
      const [publishedOut, publishedKept] = await processBatch([out, kept], via);
      await parentBased.forceFlush();
      const spans = await exported((s) => s.some((x) => x.name === 'result.publish'));

      expect(spans.filter((s) => s.traceId === sampledOut.traceId)).toEqual([]);
      const root = one(spans, 'frame.process');
      expect(root.attributes['frame.id']).toBe('frame-kept');
      for (const name of ['frame.decode', 'faces.detect', 'faces.landmarks', 'faces.align', 'faces.embed', 'faces.match']) {
        const stage = one(spans, name);
        expect(stage.parentSpanId).toBe(root.spanId);
        expect(stage.links.map((l) => l.spanId)).toEqual([root.spanId]);
        expect(stage.attributes).toMatchObject({ 'frame.count': 1, 'frame.ids': ['frame-kept'] });
      }
      expect(spans).toHaveLength(9);
      // The sampled-out frame's result still continues its producer's trace, marked not sampled.
      expect(publishedOut?.traceparent).toMatch(new RegExp(`^00-${sampledOut.traceId}-(?!${sampledOut.spanId})[0-9a-f]{16}-00$`));
      expect(publishedKept?.traceparent).toBe(`00-${sampled.traceId}-${one(spans, 'result.publish').spanId}-01`);
    } finally {
      await parentBased.shutdown();
    }
  });

  it('records a dead-lettered frame as an error with its exception', async () => {
    const frame = start(delivery('frame-dead', {}));
    await expect(frame.fetching(async () => Promise.reject(new Error('image missing')))).rejects.toThrow('image missing');
    frame.end({ status: 'dead_letter', reason: 'image_not_found', error: new Error('image missing') });
    const spans = await exported((s) => s.some((x) => x.name === 'frame.process'));
    const root = one(spans, 'frame.process');
    expect(root.status).toEqual({ code: STATUS_ERROR, message: 'image missing' });
    expect(root.attributes['error.type']).toBe('image_not_found');
    expect(root.events.map((e) => e.name)).toContain('exception');
    expect(one(spans, 'frame.fetch_image').status.code).toBe(STATUS_ERROR);
  });

  async function invalidCount(): Promise<number> {
    const text = await metrics.metrics();
    const line = text.split('\n').find((l) => l.startsWith('face_trace_context_invalid_total{reason="invalid"}'));
    return Number(line?.split(' ')[1] ?? 'NaN');
  }
});
