import { SpanKind, SpanStatusCode, context as otelContext, trace, type Context, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import type { FrameTrace } from '../../../../src/application/ports/frame-telemetry';
import type { FrameDelivery } from '../../../../src/application/ports/frame-queue';
import type { PipelineStage } from '../../../../src/application/ports/pipeline-instrumentation';
import { parseFrame } from '../../../../src/domain/frame';
import { OtelFrameTelemetry } from '../../../../src/infrastructure/telemetry/otel-frame-telemetry';
import type { StageDurationObserver, TraceContextCounter, TraceContextProblem } from '../../../../src/infrastructure/telemetry/prometheus-metrics';
import { setupTracing, type SamplerName, type Tracing } from '../../../../src/infrastructure/telemetry/tracing';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

class RecordingMetrics implements StageDurationObserver, TraceContextCounter {
  readonly stages: [string, number][] = [];
  readonly problems: TraceContextProblem[] = [];
  observeStage(stage: PipelineStage | 'total', seconds: number): void {
    this.stages.push([stage, seconds]);
  }
  traceContextUnusable(problem: TraceContextProblem): void {
    this.problems.push(problem);
  }
}

const delivery = (fields: Record<string, string>, entryId = '1700000000000-0'): FrameDelivery => ({ entryId, fields, deliveryCount: 1 });

const frameFields = (frameId: string, extra: Record<string, string> = {}): Record<string, string> => ({
  frame_id: frameId,
  camera_id: 'cam-1',
  timestamp: '2024-01-01T00:00:00Z',
  width: '640',
  height: '480',
  size_bytes: '12345',
  ...extra,
});

describe('OtelFrameTelemetry', () => {
  let exporter: InMemorySpanExporter;
  let tracing: Tracing;
  let metrics: RecordingMetrics;
  let telemetry: OtelFrameTelemetry;

  const start = (sampler: SamplerName = 'always_on'): void => {
    exporter = new InMemorySpanExporter();
    tracing = setupTracing({ serviceName: 'test', exporter, processor: 'simple', sampler, instrumentRedis: false });
    metrics = new RecordingMetrics();
    telemetry = new OtelFrameTelemetry({ tracer: tracing.tracer, processorId: 'proc-1', queue: 'frames:ready:proc-1', metrics });
  };

  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const span = (name: string): ReadableSpan => {
    const found = spans().filter((s) => s.name === name);
    expect(found).toHaveLength(1);
    return found[0] as ReadableSpan;
  };
  const startOf = (fields: Record<string, string>, batchSize = 1, entryId?: string) =>
    telemetry.startFrame(delivery(fields, entryId), parseFrame(fields), batchSize);

  afterEach(async () => {
    await tracing.shutdown();
  });

  describe('with tracing', () => {
    beforeEach(() => start());

    it('continues the producer trace with a CONSUMER frame.process span carrying the frame attributes', () => {
      const trace = startOf(frameFields('f1', { traceparent: TRACEPARENT }), 4);
      trace.end({ status: 'published', faces: 2 });
      const frame = span('frame.process');
      expect(frame.kind).toBe(SpanKind.CONSUMER);
      expect(frame.spanContext().traceId).toBe(TRACE_ID);
      expect(frame.parentSpanContext?.spanId).toBe(SPAN_ID);
      expect(frame.attributes).toMatchObject({
        'frame.id': 'f1',
        'camera.id': 'cam-1',
        'processor.id': 'proc-1',
        'batch.size': 4,
        'messaging.system': 'redis',
        'messaging.destination.name': 'frames:ready:proc-1',
        'messaging.message.id': '1700000000000-0',
        'image.width': 640,
        'image.height': 480,
        'image.bytes': 12345,
        'trace.parent_valid': true,
        'faces.count': 2,
        'frame.outcome': 'published',
      });
      expect(frame.status.code).toBe(SpanStatusCode.OK);
      expect(metrics.problems).toEqual([]);
    });

    it('starts a new root and counts an invalid context', () => {
      const trace = startOf(frameFields('f1', { traceparent: `00-${'0'.repeat(32)}-${SPAN_ID}-01` }));
      trace.end({ status: 'duplicate' });
      const frame = span('frame.process');
      expect(frame.parentSpanContext).toBeUndefined();
      expect(frame.spanContext().traceId).not.toBe('0'.repeat(32));
      expect(frame.attributes['trace.parent_valid']).toBe(false);
      expect(frame.attributes['frame.duplicate']).toBe(true);
      expect(metrics.problems).toEqual(['invalid']);
    });

    it('counts a missing context', () => {
      startOf(frameFields('f1')).end({ status: 'published', faces: 0 });
      expect(metrics.problems).toEqual(['missing']);
      expect(span('frame.process').parentSpanContext).toBeUndefined();
    });

    it('does not take the active context as parent', async () => {
      const outer = startOf(frameFields('outer', { traceparent: TRACEPARENT }));
      let inner: ReturnType<typeof startOf> | undefined;
      await outer.fetching(async () => {
        inner = startOf(frameFields('inner'));
      });
      inner?.end({ status: 'published', faces: 0 });
      const innerSpan = spans().find((s) => s.attributes['frame.id'] === 'inner');
      expect(innerSpan?.parentSpanContext).toBeUndefined();
      expect(innerSpan?.spanContext().traceId).not.toBe(TRACE_ID);
    });

    it('reads the raw entry fields when the frame did not parse', () => {
      const trace = telemetry.startFrame(
        { entryId: '1-0', fields: { frame_id: 'raw', trace_context: JSON.stringify({ traceparent: TRACEPARENT }) }, image: new Uint8Array(10), deliveryCount: 3 },
        null,
        1,
      );
      trace.end({ status: 'dead_letter', reason: 'invalid_frame', error: new Error('bad entry') });
      const frame = span('frame.process');
      expect(frame.spanContext().traceId).toBe(TRACE_ID);
      expect(frame.attributes).toMatchObject({ 'frame.id': 'raw', 'image.bytes': 10, 'frame.delivery_count': 3 });
      expect(frame.attributes['camera.id']).toBeUndefined();
    });

    it('creates fetch and publish children and hands publishing the trace fields of result.publish', async () => {
      const trace = startOf(frameFields('f1', { traceparent: TRACEPARENT }));
      const fetched = await trace.fetching(async () => 'bytes');
      let outgoing: Readonly<Record<string, string>> = {};
      await trace.publishing(async (fields) => {
        outgoing = fields;
      });
      trace.end({ status: 'published', faces: 1 });
      expect(fetched).toBe('bytes');
      const frame = span('frame.process');
      const fetch = span('frame.fetch_image');
      const publish = span('result.publish');
      expect(fetch.parentSpanContext?.spanId).toBe(frame.spanContext().spanId);
      expect(publish.parentSpanContext?.spanId).toBe(frame.spanContext().spanId);
      expect(publish.kind).toBe(SpanKind.PRODUCER);
      expect(fetch.attributes['frame.id']).toBe('f1');
      expect(outgoing.traceparent).toBe(`00-${TRACE_ID}-${publish.spanContext().spanId}-01`);
      expect(JSON.parse(outgoing.trace_context as string)).toEqual({ traceparent: outgoing.traceparent });
      // Per-frame fetch and publish durations go to the stage histogram.
      expect(metrics.stages.map(([stage]) => stage)).toEqual(['fetch', 'publish']);
    });

    it('answers in the ids form when the frame came in the ids form', async () => {
      const trace = startOf(frameFields('f1', { trace_context: JSON.stringify({ trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: '01' }) }));
      let outgoing: Readonly<Record<string, string>> = {};
      await trace.publishing(async (fields) => {
        outgoing = fields;
      });
      trace.end({ status: 'published', faces: 0 });
      const publish = span('result.publish');
      expect(JSON.parse(outgoing.trace_context as string)).toEqual({ trace_id: TRACE_ID, span_id: publish.spanContext().spanId, trace_flags: '01' });
    });

    it('records a failed fetch on its span and rethrows', async () => {
      const trace = startOf(frameFields('f1'));
      await expect(trace.fetching(async () => Promise.reject(new TypeError('gone')))).rejects.toThrow('gone');
      trace.end({ status: 'retry', error: new TypeError('gone') });
      const fetch = span('frame.fetch_image');
      expect(fetch.status.code).toBe(SpanStatusCode.ERROR);
      expect(fetch.attributes['error.type']).toBe('TypeError');
      expect(fetch.events.map((e) => e.name)).toEqual(['exception']);
      expect(metrics.stages.map(([stage]) => stage)).toEqual(['fetch']);
    });

    it('marks dead letters and retries as errors with error.type and the exception', () => {
      class ImageDecodeError extends Error {
        readonly code = 'image_decode_error';
      }
      startOf(frameFields('dead')).end({ status: 'dead_letter', reason: 'max_attempts', error: new ImageDecodeError('corrupt') });
      startOf(frameFields('retry')).end({ status: 'retry', error: new ImageDecodeError('later') });
      startOf(frameFields('odd')).end({ status: 'retry', error: 'a string' });
      const byId = (id: string) => spans().find((s) => s.attributes['frame.id'] === id) as ReadableSpan;
      expect(byId('dead').status).toEqual({ code: SpanStatusCode.ERROR, message: 'corrupt' });
      expect(byId('dead').attributes).toMatchObject({ 'error.type': 'max_attempts', 'dead_letter.reason': 'max_attempts', 'frame.outcome': 'dead_letter' });
      expect(byId('dead').events[0]?.attributes?.['exception.message']).toBe('corrupt');
      expect(byId('retry').attributes['error.type']).toBe('image_decode_error');
      expect(byId('odd').attributes['error.type']).toBe('string');
      expect(byId('odd').status.code).toBe(SpanStatusCode.ERROR);
    });

    it('ends a frame once', () => {
      const trace = startOf(frameFields('f1'));
      trace.end({ status: 'published', faces: 1 });
      trace.end({ status: 'retry', error: new Error('late') });
      expect(span('frame.process').status.code).toBe(SpanStatusCode.OK);
    });

    it('annotates the frame span', () => {
      const trace = startOf(frameFields('f1'));
      trace.annotate({ 'faces.count': 3, 'faces.known': 1, 'model.set': 'default' });
      trace.end({ status: 'published', faces: 3 });
      expect(span('frame.process').attributes).toMatchObject({ 'faces.count': 3, 'faces.known': 1, 'model.set': 'default' });
    });

    it('makes one span per batched stage, parented to the first frame and linked to every frame', async () => {
      const a = startOf(frameFields('a', { traceparent: TRACEPARENT }), 2, '1-0');
      const b = startOf(frameFields('b'), 2, '1-1');
      const stages: PipelineStage[] = ['decode', 'detect', 'landmarks', 'align', 'embed', 'match'];
      const result = await telemetry.inBatch([a, b], async (instrumentation) => {
        for (const stage of stages) await instrumentation.measure(stage, stage === 'decode' || stage === 'detect' ? 2 : 5, () => stage);
        return 'done';
      });
      a.end({ status: 'published', faces: 1 });
      b.end({ status: 'published', faces: 0 });
      expect(result).toBe('done');
      const frameA = spans().find((s) => s.attributes['frame.id'] === 'a') as ReadableSpan;
      const frameB = spans().find((s) => s.attributes['frame.id'] === 'b') as ReadableSpan;
      const names = { decode: 'frame.decode', detect: 'faces.detect', landmarks: 'faces.landmarks', align: 'faces.align', embed: 'faces.embed', match: 'faces.match' };
      for (const stage of stages) {
        const stageSpan = span(names[stage as keyof typeof names]);
        expect(stageSpan.parentSpanContext?.spanId).toBe(frameA.spanContext().spanId);
        expect(stageSpan.spanContext().traceId).toBe(TRACE_ID);
        expect(stageSpan.links.map((l) => l.context.spanId)).toEqual([frameA.spanContext().spanId, frameB.spanContext().spanId]);
        expect(stageSpan.attributes['frame.ids']).toEqual(['a', 'b']);
        expect(stageSpan.attributes['frame.count']).toBe(2);
        expect(stageSpan.attributes['pipeline.stage']).toBe(stage);
      }
      expect(span('faces.detect').attributes['batch.size']).toBe(2);
      expect(span('faces.embed').attributes['batch.size']).toBe(5);
      expect(metrics.stages.map(([stage]) => stage)).toEqual(stages);
    });

    it('works with its methods detached from the instance', async () => {
      const { startFrame, inBatch, measure } = telemetry;
      const a = startFrame(delivery(frameFields('a')), parseFrame(frameFields('a')), 1);
      await inBatch([a], async (instrumentation) => {
        await instrumentation.measure('decode', 1, () => 1);
        await measure('detect', 1, async () => 2);
      });
      a.end({ status: 'published', faces: 0 });
      expect(spans().map((s) => s.name).sort()).toEqual(['frame.decode', 'frame.process']);
      expect(metrics.stages.map(([stage]) => stage)).toEqual(['decode', 'detect']);
    });

    it('makes the fetch and publish spans active while they run, and leaves the model stages without an active context', async () => {
      const a = startOf(frameFields('a'));
      // A span started inside the work (as the ioredis instrumentation starts one per command) becomes a child of the active span.
      await a.fetching(async () => tracing.tracer.startSpan('redis fetch').end());
      await telemetry.inBatch([a], (instrumentation) => instrumentation.measure('detect', 1, async () => tracing.tracer.startSpan('in detect').end()));
      await a.publishing(async () => tracing.tracer.startSpan('redis publish').end());
      a.end({ status: 'published', faces: 0 });
      expect(span('redis fetch').parentSpanContext?.spanId).toBe(span('frame.fetch_image').spanContext().spanId);
      expect(span('redis publish').parentSpanContext?.spanId).toBe(span('result.publish').spanContext().spanId);
      // The model stages make no Redis calls: no active context (and no async hooks) while they run.
      expect(span('in detect').parentSpanContext).toBeUndefined();
    });

    it('records a failing stage and still times it', async () => {
      const a = startOf(frameFields('a'));
      await expect(
        telemetry.inBatch([a], (instrumentation) =>
          instrumentation.measure('embed', 1, () => {
            throw new RangeError('bad tensor');
          }),
        ),
      ).rejects.toThrow('bad tensor');
      a.end({ status: 'retry', error: new RangeError('bad tensor') });
      expect(span('faces.embed').status.code).toBe(SpanStatusCode.ERROR);
      expect(span('faces.embed').attributes['error.type']).toBe('RangeError');
      expect(metrics.stages.map(([s]) => s)).toEqual(['embed']);
    });

    it('only times measure(fetch | publish) and stages outside a batch', async () => {
      const a = startOf(frameFields('a'));
      await telemetry.inBatch([a], async (instrumentation) => {
        await instrumentation.measure('fetch', 1, async () => 1);
        await instrumentation.measure('publish', 1, async () => 1);
      });
      await telemetry.measure('detect', 1, () => 1);
      a.end({ status: 'published', faces: 0 });
      expect(spans().map((s) => s.name)).toEqual(['frame.process']);
      expect(metrics.stages.map(([s]) => s)).toEqual(['fetch', 'publish', 'detect']);
      for (const [, seconds] of metrics.stages) expect(seconds).toBeGreaterThanOrEqual(0);
    });

    it('ignores foreign frame traces in a batch', async () => {
      const foreign = { fetching: (w: () => Promise<unknown>) => w(), publishing: (w: (t: Record<string, string>) => Promise<unknown>) => w({}), annotate: () => undefined, end: () => undefined };
      await telemetry.inBatch([foreign as never], (instrumentation) => instrumentation.measure('detect', 1, () => 1));
      expect(spans()).toEqual([]);
      expect(metrics.stages.map(([s]) => s)).toEqual(['detect']);
    });
  });

  describe('with frames sampled out', () => {
    /** The spans the telemetry starts, the options it starts them with, and whether they recorded then. */
    let started: { name: string; options: SpanOptions; span: Span; recording: boolean }[];
    let withCalls: jest.SpyInstance;

    beforeEach(() => {
      // parentbased_always_on: the producer's sampled flag decides, so each frame's fate is known.
      start('parentbased_always_on');
      started = [];
      const tracer = tracing.tracer;
      const counting: Tracer = {
        startSpan: (name, options = {}, context) => {
          const span = tracer.startSpan(name, options, context);
          started.push({ name, options, span, recording: span.isRecording() });
          return span;
        },
        startActiveSpan: tracer.startActiveSpan.bind(tracer) as Tracer['startActiveSpan'],
      };
      telemetry = new OtelFrameTelemetry({ tracer: counting, processorId: 'proc-1', queue: 'frames:ready:proc-1', metrics });
      withCalls = jest.spyOn(otelContext, 'with');
    });

    afterEach(() => withCalls.mockRestore());

    const traceparent = (sampled: boolean, traceId = TRACE_ID): string => `00-${traceId}-${SPAN_ID}-${sampled ? '01' : '00'}`;
    const STAGES: PipelineStage[] = ['decode', 'detect', 'landmarks', 'align', 'embed', 'match'];

    /** One batch the way ProcessFrames runs it: fetch, the batched stages, publish, end. */
    async function processBatch(frames: readonly FrameTrace[]): Promise<Readonly<Record<string, string>>[]> {
      await Promise.all(frames.map((f) => f.fetching(async () => 'bytes')));
      await telemetry.inBatch(frames, async (instrumentation) => {
        for (const stage of STAGES) await instrumentation.measure(stage, frames.length, async () => stage);
      });
      const outgoing: Readonly<Record<string, string>>[] = [];
      for (const f of frames) {
        f.annotate({ 'faces.count': 0 });
        outgoing.push(await f.publishing(async (fields) => fields));
        f.end({ status: 'published', faces: 0 });
      }
      return outgoing;
    }

    it('starts only a non-recording frame span, without attributes, children, batch spans or context.with', async () => {
      const a = startOf(frameFields('a', { traceparent: traceparent(false) }), 1);
      const [outgoing] = await processBatch([a]);
      expect(spans()).toEqual([]);
      expect(started.map((s) => s.name)).toEqual(['frame.process']);
      expect(started[0]?.options).toEqual({ kind: SpanKind.CONSUMER });
      expect(started[0]?.recording).toBe(false);
      expect(withCalls).not.toHaveBeenCalled();
      // The result continues the producer's trace from the frame's own span context, not sampled.
      expect(outgoing?.traceparent).toBe(`00-${TRACE_ID}-${started[0]?.span.spanContext().spanId}-00`);
      expect(JSON.parse(outgoing?.trace_context as string)).toEqual({ traceparent: outgoing?.traceparent });
      // Every stage is still timed, once.
      expect(metrics.stages.map(([s]) => s)).toEqual(['fetch', ...STAGES, 'publish']);
    });

    it('answers an unsampled frame in the form received', async () => {
      const a = startOf(frameFields('a', { trace_context: JSON.stringify({ trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: '00' }) }));
      const [outgoing] = await processBatch([a]);
      expect(JSON.parse(outgoing?.trace_context as string)).toEqual({ trace_id: TRACE_ID, span_id: started[0]?.span.spanContext().spanId, trace_flags: '00' });
      expect(spans()).toEqual([]);
    });

    it('gives a batch with one sampled frame one span per stage, linked to that frame only', async () => {
      const sampledTrace = 'a'.repeat(32);
      const frames = [
        startOf(frameFields('out-1', { traceparent: traceparent(false) }), 3, '1-0'),
        startOf(frameFields('in', { traceparent: traceparent(true, sampledTrace) }), 3, '1-1'),
        startOf(frameFields('out-2', { traceparent: traceparent(false) }), 3, '1-2'),
      ];
      const outgoing = await processBatch(frames);
      const frameSpan = span('frame.process');
      expect(frameSpan.attributes['frame.id']).toBe('in');
      const names = ['frame.decode', 'faces.detect', 'faces.landmarks', 'faces.align', 'faces.embed', 'faces.match'];
      for (const name of names) {
        const stageSpan = span(name);
        expect(stageSpan.parentSpanContext?.spanId).toBe(frameSpan.spanContext().spanId);
        expect(stageSpan.spanContext().traceId).toBe(sampledTrace);
        expect(stageSpan.links.map((l) => l.context.spanId)).toEqual([frameSpan.spanContext().spanId]);
        expect(stageSpan.attributes).toMatchObject({ 'frame.count': 1, 'frame.ids': ['in'], 'batch.size': 3 });
      }
      expect(spans().map((s) => s.name).sort()).toEqual([...names, 'frame.fetch_image', 'frame.process', 'result.publish'].sort());
      // Sampled-out frames started their frame span and nothing else.
      expect(started.filter((s) => !s.recording).map((s) => s.name)).toEqual(['frame.process', 'frame.process']);
      expect(outgoing.map((o) => o.traceparent?.slice(-2))).toEqual(['00', '01', '00']);
      expect(outgoing[1]?.traceparent).toBe(`00-${sampledTrace}-${span('result.publish').spanContext().spanId}-01`);
      // Stage histograms: fetch and publish per frame, each batched stage once.
      const observed = metrics.stages.map(([s]) => s);
      for (const stage of STAGES) expect(observed.filter((s) => s === stage)).toHaveLength(1);
      expect(observed.filter((s) => s === 'fetch')).toHaveLength(3);
      expect(observed.filter((s) => s === 'publish')).toHaveLength(3);
    });

    it("makes only a sampled frame's Redis spans (fetch, publish) the active context while they run", async () => {
      const sampled = startOf(frameFields('in', { traceparent: traceparent(true) }));
      await processBatch([sampled]);
      // The SDK's span processor calls context.with too (to suppress tracing while exporting): count only ours.
      const ours = new Map(started.map((s) => [s.span, s.name]));
      const activated = withCalls.mock.calls.map(([ctx]) => ours.get(trace.getSpan(ctx as Context) as Span)).filter((name) => name !== undefined);
      expect(activated).toEqual(['frame.fetch_image', 'result.publish']);
    });
  });

  describe('with 100% sampling', () => {
    beforeEach(() => start('always_on'));

    it('links every frame of the batch, whatever the producer decided', async () => {
      const frames = ['x', 'y', 'z'].map((id, i) => startOf(frameFields(id, { traceparent: `00-${TRACE_ID}-${SPAN_ID}-${i === 1 ? '01' : '00'}` }), 3, `1-${i}`));
      await telemetry.inBatch(frames, (instrumentation) => instrumentation.measure('detect', 3, async () => 1));
      for (const f of frames) f.end({ status: 'published', faces: 0 });
      const frameSpans = spans().filter((s) => s.name === 'frame.process');
      expect(frameSpans).toHaveLength(3);
      const detect = span('faces.detect');
      expect(detect.links.map((l) => l.context.spanId)).toEqual(frameSpans.map((s) => s.spanContext().spanId));
      expect(detect.attributes).toMatchObject({ 'frame.count': 3, 'frame.ids': ['x', 'y', 'z'] });
      expect(metrics.stages.map(([s]) => s)).toEqual(['detect']);
    });
  });

  describe('with tracing disabled', () => {
    beforeEach(() => {
      exporter = new InMemorySpanExporter();
      tracing = setupTracing({ serviceName: 'test', disabled: true, exporter });
      metrics = new RecordingMetrics();
      telemetry = new OtelFrameTelemetry({ tracer: null, processorId: 'proc-1', queue: 'q', metrics });
    });

    it('creates no span, times stages, counts bad contexts and passes the producer context through', async () => {
      expect(tracing.enabled).toBe(false);
      const a = startOf(frameFields('a', { trace_context: JSON.stringify({ trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: '01' }) }));
      const b = startOf(frameFields('b', { traceparent: 'garbage' }));
      const fetched = await a.fetching(async () => 'x');
      await telemetry.inBatch([a, b], (instrumentation) => instrumentation.measure('detect', 2, () => 1));
      const outA: Record<string, string>[] = [];
      await a.publishing(async (fields) => void outA.push({ ...fields }));
      await b.publishing(async (fields) => void outA.push({ ...fields }));
      a.annotate({ x: 1 });
      a.end({ status: 'published', faces: 0 });
      b.end({ status: 'retry', error: new Error('x') });
      expect(fetched).toBe('x');
      expect(spans()).toEqual([]);
      expect(metrics.stages.map(([s]) => s)).toEqual(['fetch', 'detect', 'publish', 'publish']);
      expect(metrics.problems).toEqual(['invalid']);
      expect(outA[0]?.traceparent).toBe(TRACEPARENT);
      expect(JSON.parse(outA[0]?.trace_context as string)).toEqual({ trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: '01' });
      expect(outA[1]).toEqual({});
      await tracing.forceFlush();
    });
  });
});
