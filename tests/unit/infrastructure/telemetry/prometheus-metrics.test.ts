import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register as globalRegistry } from 'prom-client';
import { PrometheusMetrics, boundedReason } from '../../../../src/infrastructure/telemetry/prometheus-metrics';

/** The value of one sample line of the exposition, e.g. `face_inflight_frames` or `face_dead_letter_total{reason="x"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const noGpu = { gpu: false as const, defaultMetrics: false };

describe('PrometheusMetrics', () => {
  it('uses a registry of its own with the default process metrics', async () => {
    const metrics = new PrometheusMetrics({ gpu: false });
    const text = await metrics.metrics();
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(await globalRegistry.metrics()).not.toContain('face_');
    expect(metrics.contentType).toContain('text/plain');
  });

  it('starts the known label values at zero', async () => {
    const text = await new PrometheusMetrics(noGpu).metrics();
    for (const status of ['published', 'duplicate', 'dead_letter', 'retry']) {
      expect(sample(text, `face_recognition_requests_total{status="${status}"}`)).toBe(0);
    }
    expect(sample(text, 'face_matches_total{result="known"}')).toBe(0);
    expect(sample(text, 'face_matches_total{result="unknown"}')).toBe(0);
    expect(sample(text, 'face_gallery_identities')).toBe(0);
    expect(sample(text, 'face_gallery_embeddings')).toBe(0);
    expect(sample(text, 'face_match_similarity_count')).toBe(0);
    expect(sample(text, 'face_trace_context_invalid_total{reason="invalid"}')).toBe(0);
    expect(sample(text, 'face_detections_total')).toBe(0);
    expect(sample(text, 'face_queue_pending')).toBe(0);
    expect(sample(text, 'face_inflight_frames')).toBe(0);
  });

  it('implements the processor metrics', async () => {
    const metrics = new PrometheusMetrics(noGpu);
    metrics.frameFinished('published', 0.04);
    metrics.frameFinished('published', 0.2);
    metrics.frameFinished('dead_letter', 0.01);
    metrics.frameFinished('retry', Number.NaN);
    metrics.facesDetected(3);
    metrics.facesDetected(0);
    metrics.facesMatched([
      { status: 'known', identityId: 'p1', name: 'Ada', similarity: 0.62 },
      { status: 'unknown', bestSimilarity: 0.12 },
      { status: 'unknown', bestSimilarity: null },
    ]);
    metrics.setGallerySize(() => ({ identities: 7, embeddings: 23 }));
    metrics.deadLettered('image_decode_error');
    metrics.batchFormed(8);
    metrics.batchFormed(0);
    metrics.queueLag(0.3);
    metrics.queueLag(-2);
    metrics.inflight(5);
    metrics.observeStage('detect', 0.012);
    metrics.traceContextUnusable('missing');
    metrics.modelLoaded('detector', 1.5);
    const text = await metrics.metrics();
    expect(sample(text, 'face_recognition_requests_total{status="published"}')).toBe(2);
    expect(sample(text, 'face_recognition_requests_total{status="dead_letter"}')).toBe(1);
    expect(sample(text, 'face_recognition_requests_total{status="retry"}')).toBe(1);
    expect(sample(text, 'face_processing_duration_seconds_count{stage="total"}')).toBe(3);
    expect(sample(text, 'face_processing_duration_seconds_bucket{le="0.05",stage="total"}')).toBe(2);
    expect(sample(text, 'face_processing_duration_seconds_bucket{le="0.1",stage="total"}')).toBe(2);
    expect(sample(text, 'face_processing_duration_seconds_count{stage="detect"}')).toBe(1);
    expect(sample(text, 'face_detections_total')).toBe(3);
    expect(sample(text, 'face_matches_total{result="known"}')).toBe(1);
    expect(sample(text, 'face_matches_total{result="unknown"}')).toBe(2);
    // One best similarity per face that had one (an empty gallery gives none).
    expect(sample(text, 'face_match_similarity_count')).toBe(2);
    expect(sample(text, 'face_match_similarity_bucket{le="0.15"}')).toBe(1);
    expect(sample(text, 'face_match_similarity_bucket{le="0.6"}')).toBe(1);
    expect(sample(text, 'face_match_similarity_bucket{le="0.65"}')).toBe(2);
    expect(sample(text, 'face_gallery_identities')).toBe(7);
    expect(sample(text, 'face_gallery_embeddings')).toBe(23);
    expect(sample(text, 'face_dead_letter_total{reason="image_decode_error"}')).toBe(1);
    expect(sample(text, 'face_batch_size_count')).toBe(1);
    expect(sample(text, 'face_batch_size_bucket{le="8"}')).toBe(1);
    expect(sample(text, 'face_batch_size_bucket{le="4"}')).toBe(0);
    expect(sample(text, 'face_queue_lag_seconds_count')).toBe(2);
    expect(sample(text, 'face_queue_lag_seconds_bucket{le="0.005"}')).toBe(1);
    expect(sample(text, 'face_inflight_frames')).toBe(5);
    expect(sample(text, 'face_trace_context_invalid_total{reason="missing"}')).toBe(1);
    expect(sample(text, 'face_model_load_seconds{model="detector"}')).toBe(1.5);
    expect(metrics.totals()).toEqual({ framesProcessed: 4, errors: 2 });
  });

  it('keeps dead-letter reasons bounded', async () => {
    expect(boundedReason('Image Decode-Error!')).toBe('image_decode_error');
    expect(boundedReason('***')).toBe('unknown');
    expect(boundedReason('x'.repeat(200))).toHaveLength(64);
    const metrics = new PrometheusMetrics(noGpu);
    for (let i = 0; i < 40; i++) metrics.deadLettered(`reason_${i}`);
    metrics.deadLettered('reason_0');
    const text = await metrics.metrics();
    const reasons = text.split('\n').filter((l) => l.startsWith('face_dead_letter_total{'));
    expect(reasons).toHaveLength(33);
    expect(sample(text, 'face_dead_letter_total{reason="reason_0"}')).toBe(2);
    expect(sample(text, 'face_dead_letter_total{reason="other"}')).toBe(8);
  });

  it('reads the pending count at scrape time and keeps the last value on error or timeout', async () => {
    const answers: (() => Promise<number>)[] = [
      async () => 7,
      async () => Promise.reject(new Error('redis down')),
      () => new Promise<number>(() => undefined),
      async () => 9,
    ];
    let call = 0;
    const metrics = new PrometheusMetrics({ ...noGpu, pendingCount: () => (answers[call++] as () => Promise<number>)(), pendingTimeoutMs: 50 });
    expect(sample(await metrics.metrics(), 'face_queue_pending')).toBe(7);
    expect(sample(await metrics.metrics(), 'face_queue_pending')).toBe(7);
    expect(sample(await metrics.metrics(), 'face_queue_pending')).toBe(7);
    expect(sample(await metrics.metrics(), 'face_queue_pending')).toBe(9);
    metrics.setPendingCount(async () => 3);
    expect(sample(await metrics.metrics(), 'face_queue_pending')).toBe(3);
  });

  describe('GPU gauges', () => {
    it('are absent (not zero) when disabled', async () => {
      const metrics = new PrometheusMetrics(noGpu);
      expect(metrics.gpuEnabled).toBe(false);
      expect(await metrics.metrics()).not.toMatch(/^# HELP gpu_/m);
    });

    it('are absent when nvidia-smi is not on PATH', async () => {
      const path = process.env.PATH;
      const empty = mkdtempSync(join(tmpdir(), 'nopath-'));
      process.env.PATH = empty;
      try {
        const metrics = new PrometheusMetrics({ defaultMetrics: false });
        expect(metrics.gpuEnabled).toBe(false);
        expect(await metrics.metrics()).not.toContain('gpu_');
      } finally {
        process.env.PATH = path;
        rmSync(empty, { recursive: true, force: true });
      }
    });

    it('run nvidia-smi from PATH when it is there (a stand-in script here: no GPU on this machine)', async () => {
      const path = process.env.PATH;
      const dir = mkdtempSync(join(tmpdir(), 'fake-smi-'));
      writeFileSync(join(dir, 'nvidia-smi'), '#!/bin/sh\necho "$@" > "$(dirname "$0")/args"\nprintf "0, 42, 2048, 71\\n1, 3, 100, 35\\n"\n');
      chmodSync(join(dir, 'nvidia-smi'), 0o755);
      process.env.PATH = `${dir}:${path}`;
      try {
        const metrics = new PrometheusMetrics({ defaultMetrics: false });
        expect(metrics.gpuEnabled).toBe(true);
        const text = await metrics.metrics();
        expect(sample(text, 'gpu_utilization{gpu="0"}')).toBe(0.42);
        expect(sample(text, 'gpu_memory_used_bytes{gpu="0"}')).toBe(2048 * 1024 * 1024);
        expect(sample(text, 'gpu_temperature_celsius{gpu="0"}')).toBe(71);
        expect(sample(text, 'gpu_temperature_celsius{gpu="1"}')).toBe(35);
      } finally {
        process.env.PATH = path;
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('use an injected query, once per scrape for the three gauges', async () => {
      let calls = 0;
      const metrics = new PrometheusMetrics({
        defaultMetrics: false,
        gpuCacheMs: 0,
        gpu: {
          query: async () => {
            calls += 1;
            return '0, 90, 10, 88\n';
          },
        },
      });
      const text = await metrics.metrics();
      expect(calls).toBe(1);
      expect(sample(text, 'gpu_utilization{gpu="0"}')).toBe(0.9);
      expect(sample(text, 'gpu_temperature_celsius{gpu="0"}')).toBe(88);
    });
  });
});
