import { formatDuration, parseDurationSeconds } from '../../../../src/infrastructure/cli/bench/duration';
import { sampleValue } from '../../../../src/infrastructure/cli/bench/prometheus-text';
import { UsageError } from '../../../../src/infrastructure/cli/output';
import {
  comparisonWindowSeconds,
  compareWindows,
  grewBeyondFirstWindow,
  samplesToCsv,
  type SoakPhase,
  type SoakSample,
} from '../../../../src/infrastructure/cli/soak/soak-figures';

const sample = (seconds: number, rssMb: number, phase: SoakPhase = 'soak', lagMs = 10): SoakSample => ({
  seconds,
  phase,
  rssBytes: rssMb * 1024 * 1024,
  heapUsedBytes: 20e6,
  lagP99Seconds: lagMs / 1000,
  framesDone: seconds,
  backlog: 1,
  load1: 1.5,
});

describe('soak figures', () => {
  it('compares the medians of the first and last windows of the soak phase only', () => {
    const samples = [
      sample(0, 9999, 'capacity'),
      ...Array.from({ length: 61 }, (_, i) => sample(100 + i * 10, 1000 + (i >= 30 ? 100 : 0))),
      sample(800, 9999, 'final-drain'),
    ];
    const rss = compareWindows(samples, (s) => s.rssBytes / (1024 * 1024), 100);
    expect(rss?.first).toEqual({ median: 1000, q1: 1000, q3: 1000, n: 11 });
    expect(rss?.last.median).toBe(1100);
    expect(rss?.growth).toBeCloseTo(0.1, 10);
  });

  it('is undefined without soak samples', () => {
    expect(compareWindows([sample(0, 1, 'capacity')], (s) => s.rssBytes, 60)).toBeUndefined();
  });

  it('calls lag growth only what rises above the first window’s third quartile', () => {
    const lags = (first: number[], last: number[]): SoakSample[] => [
      ...first.map((lag, i) => sample(i, 1, 'soak', lag)),
      ...last.map((lag, i) => sample(1000 + i, 1, 'soak', lag)),
    ];
    const within = compareWindows(lags([10, 12, 14, 20], [13, 13, 14, 15]), (s) => s.lagP99Seconds, 10);
    const above = compareWindows(lags([10, 12, 14, 20], [30, 31, 32, 33]), (s) => s.lagP99Seconds, 10);
    expect(grewBeyondFirstWindow(within as NonNullable<typeof within>)).toBe(false);
    expect(grewBeyondFirstWindow(above as NonNullable<typeof above>)).toBe(true);
  });

  it('uses a sixth of a short soak as its window', () => {
    expect(comparisonWindowSeconds(1800, 300)).toBe(300);
    expect(comparisonWindowSeconds(60, 300)).toBe(10);
  });

  it('writes one CSV row per sample, lag in ms', () => {
    expect(samplesToCsv([sample(12.34, 1, 'drain', 2.5)])).toBe(
      'seconds,phase,rss_bytes,heap_used_bytes,eventloop_lag_p99_ms,frames_done,backlog,load1\n12.3,drain,1048576,20000000,2.500,12.34,1,1.50\n',
    );
  });
});

describe('durations', () => {
  it('reads seconds, minutes and hours', () => {
    expect(parseDurationSeconds('90s', 'duration', 1)).toBe(90);
    expect(parseDurationSeconds('30m', 'duration', 1)).toBe(1800);
    expect(parseDurationSeconds('1.5h', 'duration', 1)).toBe(5400);
    expect(parseDurationSeconds('45', 'duration', 1)).toBe(45);
    expect(parseDurationSeconds(undefined, 'duration', 7)).toBe(7);
  });

  it('refuses anything else as a usage error', () => {
    for (const raw of ['', '0s', '-5m', '10 minutes', '3d']) expect(() => parseDurationSeconds(raw, 'duration', 1)).toThrow(UsageError);
  });

  it('prints them back compactly', () => {
    expect([formatDuration(5400), formatDuration(90), formatDuration(20), formatDuration(0)]).toEqual(['1h30m', '1m30s', '20s', '0s']);
  });
});

describe('Prometheus text', () => {
  const text = [
    '# HELP process_resident_memory_bytes Resident memory size in bytes.',
    '# TYPE process_resident_memory_bytes gauge',
    'process_resident_memory_bytes 123456',
    'nodejs_eventloop_lag_p99_seconds 0.0123',
    'nodejs_heap_size_used_bytes_extra 1',
    'nodejs_heap_size_used_bytes 42 1700000000000',
  ].join('\n');

  it('reads an unlabelled sample by its exact name', () => {
    expect(sampleValue(text, 'process_resident_memory_bytes')).toBe(123456);
    expect(sampleValue(text, 'nodejs_eventloop_lag_p99_seconds')).toBe(0.0123);
    expect(sampleValue(text, 'nodejs_heap_size_used_bytes')).toBe(42);
    expect(sampleValue(text, 'missing_metric')).toBeUndefined();
  });
});
