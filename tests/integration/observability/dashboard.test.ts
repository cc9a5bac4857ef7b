import { resolve } from 'node:path';
import type { FrameOutcome } from '../../../src/application/ports/frame-telemetry';
import type { PipelineStage } from '../../../src/application/ports/pipeline-instrumentation';
import { HttpServer } from '../../../src/infrastructure/http/http-server';
import type { ProcessorStatus } from '../../../src/infrastructure/http/health/processor-status';
import { OtelFrameTelemetry } from '../../../src/infrastructure/telemetry/otel-frame-telemetry';
import { HttpMetrics } from '../../../src/infrastructure/telemetry/http-metrics';
import { PrometheusMetrics } from '../../../src/infrastructure/telemetry/prometheus-metrics';
import {
  PROMETHEUS_BIN,
  PROMTOOL_BIN,
  PrometheusServer,
  dashboardQueries,
  emptyPanels,
  evaluatePanels,
  promtoolCheckMetrics,
  promtoolCheckRules,
  promtoolTestRules,
  settledRuleHealth,
  sleep,
} from '../../support/prometheus';
import { describeUnlessMissing } from '../../support/skip';

/**
 * Validates dashboards/face-recognition.json and dashboards/alerts.yml
 * against a real Prometheus scraping this test's own metrics server: the
 * service's PrometheusMetrics and HttpServer, fed with synthetic but real
 * observations (a stand-in nvidia-smi output included, so GPU panels are
 * checked too). prometheus.test.ts runs the same evaluation against the real
 * service.
 */

const DASHBOARD = resolve(__dirname, '../../../dashboards/face-recognition.json');
const ALERTS = resolve(__dirname, '../../../dashboards/alerts.yml');
const ALERT_TESTS = resolve(__dirname, '../../../dashboards/alerts.test.yml');

const describeWithPromtool = describeUnlessMissing(PROMTOOL_BIN ? null : 'promtool not found (apt-get install prometheus, or set PROMTOOL_BIN)');
const describeWithPrometheus = describeUnlessMissing(PROMETHEUS_BIN ? null : 'prometheus not found (apt-get install prometheus, or set PROMETHEUS_BIN)');

describeWithPromtool('alert rules (promtool)', () => {
  it('pass promtool check rules', async () => {
    const result = await promtoolCheckRules(ALERTS);
    expect({ ok: result.ok, output: result.output }).toMatchObject({ ok: true });
    expect(result.output).toContain('SUCCESS');
  });

  it('fire as intended (promtool test rules)', async () => {
    const result = await promtoolTestRules(ALERT_TESTS);
    expect({ ok: result.ok, output: result.output }).toMatchObject({ ok: true });
  });

  it('the metrics exposition passes promtool check metrics', async () => {
    const metrics = new PrometheusMetrics({ gpu: { query: async () => '0, 10, 100, 50\n' } });
    metrics.frameFinished('published', 0.01);
    metrics.deadLettered('max_attempts');
    metrics.modelLoaded('detector', 0.5);
    new HttpMetrics(metrics.registry).requestFinished('/v1/faces/detect', 'POST', 200, 0.05);
    const result = await promtoolCheckMetrics(await metrics.metrics());
    // promtool exits non-zero on lint problems and names each one.
    expect(result.output.split('\n').filter((l) => /face_|gpu_|http_/.test(l))).toEqual([]);
  });
});

describeWithPrometheus('dashboard queries against a real Prometheus', () => {
  let metrics: PrometheusMetrics;
  let http: HttpMetrics;
  let server: HttpServer;
  let prometheus: PrometheusServer | undefined;
  let instance: string;
  let driving = true;
  let driver: Promise<void>;

  const status: ProcessorStatus = {
    processorId: 'dashboard-test',
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

  /** Processes synthetic batches the way the frame processor reports them, until stopped. */
  async function drive(telemetry: OtelFrameTelemetry): Promise<void> {
    const stages: PipelineStage[] = ['fetch', 'decode', 'detect', 'landmarks', 'align', 'embed', 'match', 'publish'];
    for (let tick = 0; driving; tick++) {
      const frames = 1 + (tick % 4);
      metrics.batchFormed(frames);
      metrics.inflight(frames);
      for (let i = 0; i < frames; i++) metrics.queueLag(0.005 + ((tick + i) % 10) * 0.01);
      for (const stage of stages) await telemetry.measure(stage, frames, () => sleep(1 + ((tick + stage.length) % 5)));
      for (let i = 0; i < frames; i++) {
        const outcome: FrameOutcome['status'] = tick % 7 === 0 && i === 0 ? 'dead_letter' : tick % 11 === 0 && i === 0 ? 'retry' : tick % 13 === 0 && i === 0 ? 'duplicate' : 'published';
        if (outcome === 'dead_letter') metrics.deadLettered(tick % 2 === 0 ? 'image_decode_error' : 'max_attempts');
        metrics.frameFinished(outcome, 0.01 + ((tick + i) % 9) * 0.01);
      }
      metrics.facesDetected(frames * 2);
      metrics.facesMatched(
        Array.from({ length: frames * 2 }, (_, i) =>
          i % 2 === 0 ? { status: 'known' as const, identityId: `p${i}`, name: `Person ${i}`, similarity: 0.4 + ((tick + i) % 10) * 0.05 } : { status: 'unknown' as const, bestSimilarity: ((tick + i) % 6) * 0.04 },
        ),
      );
      // API requests as the HTTP server reports them: mostly answered, some refused or failed.
      const status = tick % 9 === 0 ? 503 : tick % 5 === 0 ? 401 : tick % 7 === 0 ? 429 : 200;
      http.requestFinished('/v1/faces/detect', 'POST', status, 0.02 + (tick % 6) * 0.03);
      if (tick % 5 === 0) metrics.traceContextUnusable('missing');
      metrics.inflight(0);
      await sleep(20);
    }
  }

  beforeAll(async () => {
    let pending = 0;
    metrics = new PrometheusMetrics({
      pendingCount: async () => (pending = (pending + 3) % 50),
      // Stand-in for nvidia-smi (no GPU here): the gauges are registered and filled as on a GPU host.
      gpu: { query: async () => '0, 63, 2048, 66\n1, 12, 512, 48\n' },
      gpuCacheMs: 500,
    });
    metrics.modelLoaded('detector', 0.4);
    metrics.setGallerySize(() => ({ identities: 120, embeddings: 410 }));
    http = new HttpMetrics(metrics.registry);
    server = new HttpServer({ host: '127.0.0.1', port: 0, status: { status: () => status }, registry: metrics, observer: http });
    const { port } = await server.start();
    instance = `127.0.0.1:${port}`;
    driver = drive(new OtelFrameTelemetry({ tracer: null, processorId: 'dashboard-test', queue: 'q', metrics }));
    prometheus = await PrometheusServer.start({ targets: [instance], scrapeIntervalSeconds: 1, ruleFiles: [ALERTS] });
    // A few scrapes with frames flowing, so every 1m rate has at least two samples with increases.
    await prometheus.waitFor('min(count_over_time(face_recognition_requests_total[1m]))', (s) => Number(s[0]?.value[1] ?? 0) >= 5, 60_000);
  });

  afterAll(async () => {
    driving = false;
    await driver;
    await prometheus?.stop();
    await server?.stop();
  });

  it('lists the processor in the instance variable', async () => {
    expect(await prometheus!.labelValues('instance', 'face_recognition_requests_total')).toEqual([instance]);
  });

  it('returns data for every panel query of the dashboard', async () => {
    const queries = dashboardQueries(DASHBOARD);
    expect(queries.length).toBeGreaterThan(20);
    for (const variables of [{ instance }, { instance: '.*' }]) {
      const results = await evaluatePanels(prometheus!, queries, variables);
      expect(emptyPanels(results)).toEqual([]);
    }
  });

  it('evaluates every alert rule without error', async () => {
    const rules = await prometheus!.waitFor('vector(1)', () => true).then(() => settledRuleHealth(prometheus!));
    expect(rules.length).toBe(10);
    expect(rules.filter((r) => r.health !== 'ok')).toEqual([]);
  });
});
