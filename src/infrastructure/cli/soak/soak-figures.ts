import { percentile } from '../../telemetry/stage-timings';

/** What the soak is doing when a sample is taken. */
export type SoakPhase = 'capacity' | 'drain' | 'soak' | 'final-drain';

/** One scrape of the service's /metrics with the feeder's own counts. */
export interface SoakSample {
  /** Since the start of the run (the service ready). */
  readonly seconds: number;
  readonly phase: SoakPhase;
  /** process_resident_memory_bytes: the whole process, inference worker threads included. */
  readonly rssBytes: number;
  /** nodejs_heap_size_used_bytes: the main thread's V8 heap. */
  readonly heapUsedBytes: number;
  /** nodejs_eventloop_lag_p99_seconds: p99 of the main event loop's delay since the previous scrape. */
  readonly lagP99Seconds: number;
  /** Frames with a result so far. */
  readonly framesDone: number;
  /** Frames sent without a result yet (queued or in flight). */
  readonly backlog: number;
  /** The machine's 1-minute load average (shared machine: other work shows here). */
  readonly load1: number;
}

const CSV_COLUMNS = ['seconds', 'phase', 'rss_bytes', 'heap_used_bytes', 'eventloop_lag_p99_ms', 'frames_done', 'backlog', 'load1'] as const;

export function samplesToCsv(samples: readonly SoakSample[]): string {
  const rows = samples.map((s) =>
    [s.seconds.toFixed(1), s.phase, s.rssBytes, s.heapUsedBytes, (s.lagP99Seconds * 1000).toFixed(3), s.framesDone, s.backlog, s.load1.toFixed(2)].join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}

/** A quantity in the soak's first window and in its last. */
export interface WindowComparison {
  readonly first: { readonly median: number; readonly q1: number; readonly q3: number; readonly n: number };
  readonly last: { readonly median: number; readonly q1: number; readonly q3: number; readonly n: number };
  /** last median / first median − 1. */
  readonly growth: number;
}

const summary = (values: readonly number[]) => ({ median: percentile(values, 50), q1: percentile(values, 25), q3: percentile(values, 75), n: values.length });

/**
 * Compares `value` over the soak samples of the first `windowSeconds` of the
 * soak phase with the last `windowSeconds`, by medians (one scrape caught in
 * a garbage collection or behind another process does not move a median).
 * Undefined when either window holds no sample.
 */
export function compareWindows(
  samples: readonly SoakSample[],
  value: (sample: SoakSample) => number,
  windowSeconds: number,
): WindowComparison | undefined {
  const soak = samples.filter((s) => s.phase === 'soak');
  if (soak.length === 0) return undefined;
  const start = (soak[0] as SoakSample).seconds;
  const end = (soak.at(-1) as SoakSample).seconds;
  const first = soak.filter((s) => s.seconds <= start + windowSeconds).map(value);
  const last = soak.filter((s) => s.seconds >= end - windowSeconds).map(value);
  if (first.length === 0 || last.length === 0) return undefined;
  const f = summary(first);
  const l = summary(last);
  return { first: f, last: l, growth: l.median / f.median - 1 };
}

/**
 * "No growth" of a noisy quantity: the last window's median is within the
 * first window's own spread or below it (≤ its third quartile). A threshold
 * taken from the run itself, not a fixed tolerance: a trend has to rise above
 * what the first window already varied by to count.
 */
export const grewBeyondFirstWindow = (comparison: WindowComparison): boolean => comparison.last.median > comparison.first.q3;

/** The length of the compared windows: `window`, or a sixth of the soak phase when that is shorter (quick runs). */
export const comparisonWindowSeconds = (soakSeconds: number, windowSeconds: number): number => Math.min(windowSeconds, soakSeconds / 6);
