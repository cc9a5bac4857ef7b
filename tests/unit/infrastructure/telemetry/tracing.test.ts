import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SamplingDecision } from '@opentelemetry/sdk-trace-node';
import { loadConfig } from '../../../../src/infrastructure/config/config';
import { createSampler, setupTracing, tracesUrl, tracingOptionsFromConfig, type SamplerName } from '../../../../src/infrastructure/telemetry/tracing';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const sampledParent = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true });
const unsampledParent = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, isRemote: true });

const decide = (name: SamplerName, parent = ROOT_CONTEXT, ratio?: number): SamplingDecision =>
  createSampler(name, ratio).shouldSample(parent, TRACE_ID, 'x', SpanKind.CONSUMER, {}, []).decision;

describe('createSampler', () => {
  it.each<[SamplerName, SamplingDecision, SamplingDecision, SamplingDecision]>([
    // name, root, sampled parent, unsampled parent
    ['always_on', SamplingDecision.RECORD_AND_SAMPLED, SamplingDecision.RECORD_AND_SAMPLED, SamplingDecision.RECORD_AND_SAMPLED],
    ['always_off', SamplingDecision.NOT_RECORD, SamplingDecision.NOT_RECORD, SamplingDecision.NOT_RECORD],
    ['parentbased_always_on', SamplingDecision.RECORD_AND_SAMPLED, SamplingDecision.RECORD_AND_SAMPLED, SamplingDecision.NOT_RECORD],
    ['parentbased_always_off', SamplingDecision.NOT_RECORD, SamplingDecision.RECORD_AND_SAMPLED, SamplingDecision.NOT_RECORD],
  ])('%s', (name, root, sampled, unsampled) => {
    expect(decide(name)).toBe(root);
    expect(decide(name, sampledParent)).toBe(sampled);
    expect(decide(name, unsampledParent)).toBe(unsampled);
  });

  it('applies the ratio of the traceidratio samplers', () => {
    expect(decide('traceidratio', ROOT_CONTEXT, 1)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide('traceidratio', ROOT_CONTEXT, 0)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide('parentbased_traceidratio', ROOT_CONTEXT, 0)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide('parentbased_traceidratio', sampledParent, 0)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(createSampler('traceidratio', 0.25).toString()).toContain('0.25');
    expect(createSampler('traceidratio', 7).toString()).toContain('{1}');
  });
});

describe('tracesUrl', () => {
  it('appends /v1/traces to the base endpoint', () => {
    expect(tracesUrl('http://jaeger:4318')).toBe('http://jaeger:4318/v1/traces');
    expect(tracesUrl('http://jaeger:4318/')).toBe('http://jaeger:4318/v1/traces');
  });
});

describe('tracingOptionsFromConfig', () => {
  it('maps the OTEL_* variables', () => {
    const config = loadConfig({
      OTEL_SERVICE_NAME: 'faces',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.5',
      PROCESSOR_ID: 'p-7',
    });
    expect(tracingOptionsFromConfig(config, '1.2.3')).toEqual({
      serviceName: 'faces',
      serviceVersion: '1.2.3',
      resourceAttributes: { 'processor.id': 'p-7' },
      endpoint: 'http://collector:4318',
      disabled: false,
      sampler: 'traceidratio',
      samplerArg: 0.5,
    });
    const disabled = tracingOptionsFromConfig(loadConfig({ OTEL_SDK_DISABLED: 'true' }));
    expect(disabled.disabled).toBe(true);
    expect(disabled.endpoint).toBeUndefined();
  });
});

describe('setupTracing', () => {
  it('installs no provider when disabled', async () => {
    const tracing = setupTracing({ serviceName: 'x', disabled: true, exporter: new InMemorySpanExporter() });
    expect(tracing.enabled).toBe(false);
    const span = tracing.tracer.startSpan('noop');
    expect(span.isRecording()).toBe(false);
    span.end();
    await tracing.forceFlush();
    await tracing.shutdown();
  });

  it('stays a no-op without any exporter (spans nobody sees would only orphan downstream traces)', async () => {
    const tracing = setupTracing({ serviceName: 'x', sampler: 'always_on' });
    expect(tracing.enabled).toBe(false);
    expect(tracing.tracer.startSpan('noop').isRecording()).toBe(false);
    await tracing.shutdown();
  });

  it('exports to a custom exporter with the service resource, registers globally and unregisters on shutdown', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = setupTracing({ serviceName: 'svc', serviceVersion: '9.9.9', exporter, sampler: 'always_on', resourceAttributes: { 'processor.id': 'p1' } });
    expect(tracing.enabled).toBe(true);
    trace.getTracer('global').startSpan('via-global').end();
    tracing.tracer.startSpan('direct').end();
    await tracing.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['direct', 'via-global']);
    expect(spans[0]?.resource.attributes).toMatchObject({ 'service.name': 'svc', 'service.version': '9.9.9', 'processor.id': 'p1' });
    await tracing.shutdown();
    await tracing.shutdown();
    expect(trace.getTracer('global').startSpan('after').isRecording()).toBe(false);
  });

  it('can be set up again after a shutdown', async () => {
    for (let i = 0; i < 2; i++) {
      const exporter = new InMemorySpanExporter();
      const tracing = setupTracing({ serviceName: 'again', exporter, processor: 'simple', sampler: 'always_on' });
      trace.getTracer('global').startSpan(`round-${i}`).end();
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([`round-${i}`]);
      await tracing.shutdown();
    }
  });
});
