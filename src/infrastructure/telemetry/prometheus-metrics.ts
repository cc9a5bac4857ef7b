import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FrameOutcome, ProcessorMetrics } from '../../application/ports/frame-telemetry';
import type { PipelineStage } from '../../application/ports/pipeline-instrumentation';
import type { IdentityMatch } from '../../domain/identity';
import { CachedGpuSampler, findOnPath, runNvidiaSmi, type GpuReading } from './nvidia-smi';

/** Observes how long one pipeline stage took (batched call, or `total` for a whole frame). */
export interface StageDurationObserver {
  observeStage(stage: PipelineStage | 'total', seconds: number): void;
}

/** What the gallery gauges show. */
export interface GallerySize {
  readonly identities: number;
  readonly embeddings: number;
}

export type TraceContextProblem = 'missing' | 'invalid';

/** Counts frames whose trace context could not be continued. */
export interface TraceContextCounter {
  traceContextUnusable(problem: TraceContextProblem): void;
}

export type GpuMetricsOption =
  /** Register the GPU gauges only when `nvidia-smi` is on PATH (default). */
  | 'auto'
  /** Never register them. */
  | false
  /** Use this query instead of running nvidia-smi (tests, other tools producing the same CSV). */
  | { readonly query: () => Promise<string>; readonly cacheMs?: number };

export interface PrometheusMetricsOptions {
  /** Default: a new Registry (never prom-client's global one). */
  readonly registry?: Registry;
  /** Process and Node.js metrics (CPU, memory, GC, event-loop lag). Default true. */
  readonly defaultMetrics?: boolean;
  /** Labels added to every series (keep them constant, e.g. none: Prometheus adds `instance`). */
  readonly defaultLabels?: Readonly<Record<string, string>>;
  /** Entries pending in the consumer group; read at scrape time. */
  readonly pendingCount?: () => Promise<number>;
  /** Longest wait for `pendingCount` during a scrape; the last value is kept on timeout or error. Default 1000 ms. */
  readonly pendingTimeoutMs?: number;
  readonly gpu?: GpuMetricsOption;
  /** How long nvidia-smi readings are reused. Default 5000 ms. */
  readonly gpuCacheMs?: number;
}

export const STAGES: readonly (PipelineStage | 'total')[] = ['fetch', 'decode', 'detect', 'landmarks', 'align', 'embed', 'match', 'publish', 'total'];
const STATUSES: readonly FrameOutcome['status'][] = ['published', 'duplicate', 'dead_letter', 'retry'];

/** 1 ms … 2 s (plus 5 s for outliers); 0.1 is a bucket bound because the latency objective is 100 ms. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2, 5];
export const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];
/** Cosine similarity in steps of 0.05 from 0 to 1 (below 0: the first bucket); MATCH_THRESHOLD falls between two bounds. */
export const SIMILARITY_BUCKETS = Array.from({ length: 21 }, (_, i) => Math.round(i * 5) / 100);
export const QUEUE_LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Dead-letter reasons are stable machine words; anything else is folded so the label stays bounded. */
const MAX_REASONS = 32;
const MAX_REASON_LENGTH = 64;

export function boundedReason(reason: string): string {
  const cleaned = reason
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, MAX_REASON_LENGTH);
  return cleaned === '' ? 'unknown' : cleaned;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The processor's Prometheus metrics, on a registry of their own. Label
 * values are bounded (statuses, stages, reasons, model names, GPU indexes),
 * never frame or camera ids.
 */
export class PrometheusMetrics implements ProcessorMetrics, StageDurationObserver, TraceContextCounter {
  readonly registry: Registry;
  /** Whether the GPU gauges are registered (nvidia-smi found, or a query given). */
  readonly gpuEnabled: boolean;

  private readonly requests: Counter<'status'>;
  private readonly detections: Counter;
  private readonly matches: Counter<'result'>;
  private readonly matchSimilarity: Histogram;
  private readonly stageDuration: Histogram<'stage'>;
  private readonly batchSize: Histogram;
  private readonly lag: Histogram;
  private readonly deadLetters: Counter<'reason'>;
  private readonly inflightFrames: Gauge;
  private readonly modelLoad: Gauge<'model'>;
  private readonly traceInvalid: Counter<'reason'>;
  private readonly reasons = new Set<string>();
  /** Labelled children resolved once: `labels()` hashes its arguments on every call (hot path). */
  private readonly stageChildren = new Map<string, { observe(value: number): void }>();
  private readonly requestChildren = new Map<string, { inc(value?: number): void }>();
  private pendingSource: (() => Promise<number>) | undefined;
  private gallerySource: (() => GallerySize) | undefined;
  private framesFinished = 0;
  private framesFailed = 0;

  constructor(options: PrometheusMetricsOptions = {}) {
    const registry = options.registry ?? new Registry();
    this.registry = registry;
    if (options.defaultLabels) registry.setDefaultLabels({ ...options.defaultLabels });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
    const registers = [registry];

    this.requests = new Counter({
      name: 'face_recognition_requests_total',
      help: 'Frames finished, by outcome (published, duplicate, dead_letter, retry).',
      labelNames: ['status'],
      registers,
    });
    // Known label values start at 0 so rate() and ratios have series before the first occurrence.
    for (const status of STATUSES) {
      const child = this.requests.labels(status);
      child.inc(0);
      this.requestChildren.set(status, child);
    }

    this.detections = new Counter({ name: 'face_detections_total', help: 'Faces detected in processed frames.', registers });
    this.matches = new Counter({
      name: 'face_matches_total',
      help: 'Embedded faces of the stream matched against the gallery, by result (known, unknown).',
      labelNames: ['result'],
      registers,
    });
    this.matches.labels('known').inc(0);
    this.matches.labels('unknown').inc(0);
    this.matchSimilarity = new Histogram({
      name: 'face_match_similarity',
      help: "Best similarity of each embedded face of the stream to the gallery's templates (known or not).",
      buckets: SIMILARITY_BUCKETS,
      registers,
    });
    const gallerySize = (): GallerySize | undefined => this.gallerySource?.();
    new Gauge({
      name: 'face_gallery_identities',
      help: 'Identities in the in-memory search index.',
      registers,
      collect() {
        const size = gallerySize();
        if (size !== undefined) this.set(size.identities);
      },
    });
    new Gauge({
      name: 'face_gallery_embeddings',
      help: "Enrolled embeddings summarised by the index's templates.",
      registers,
      collect() {
        const size = gallerySize();
        if (size !== undefined) this.set(size.embeddings);
      },
    });

    this.stageDuration = new Histogram({
      name: 'face_processing_duration_seconds',
      help: 'Duration of a pipeline stage (one batched call) or of a whole frame (stage="total").',
      labelNames: ['stage'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    for (const stage of STAGES) this.stageChildren.set(stage, this.stageDuration.labels(stage));
    this.batchSize = new Histogram({ name: 'face_batch_size', help: 'Frames per analysed batch.', buckets: BATCH_SIZE_BUCKETS, registers });
    this.lag = new Histogram({
      name: 'face_queue_lag_seconds',
      help: 'Frame capture time to processing start.',
      buckets: QUEUE_LAG_BUCKETS,
      registers,
    });
    this.deadLetters = new Counter({
      name: 'face_dead_letter_total',
      help: 'Frames moved to the dead-letter stream, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.inflightFrames = new Gauge({ name: 'face_inflight_frames', help: 'Frames being processed now.', registers });
    this.modelLoad = new Gauge({
      name: 'face_model_load_seconds',
      help: 'Time taken to load each model at start-up.',
      labelNames: ['model'],
      registers,
    });
    this.traceInvalid = new Counter({
      name: 'face_trace_context_invalid_total',
      help: 'Frames whose producer trace context was missing or invalid (a new root trace was started).',
      labelNames: ['reason'],
      registers,
    });
    this.traceInvalid.labels('missing').inc(0);
    this.traceInvalid.labels('invalid').inc(0);

    this.pendingSource = options.pendingCount;
    const pendingTimeoutMs = options.pendingTimeoutMs ?? 1000;
    const pendingSource = (): (() => Promise<number>) | undefined => this.pendingSource;
    new Gauge({
      name: 'face_queue_pending',
      help: 'Entries delivered to the consumer group and not yet acknowledged.',
      registers,
      async collect() {
        const source = pendingSource();
        if (source === undefined) return;
        try {
          const value = await withTimeout(source(), pendingTimeoutMs);
          if (Number.isFinite(value)) this.set(value);
        } catch {
          // Keep the last value: a scrape must not fail because Redis is slow.
        }
      },
    });

    const query = this.gpuQuery(options.gpu ?? 'auto');
    this.gpuEnabled = query !== undefined;
    if (query !== undefined) this.registerGpuGauges(new CachedGpuSampler(query, options.gpuCacheMs ?? 5000));
  }

  // --- ProcessorMetrics -----------------------------------------------------

  frameFinished(status: FrameOutcome['status'], totalSeconds: number): void {
    (this.requestChildren.get(status) ?? this.requests.labels(status)).inc();
    this.framesFinished += 1;
    if (status === 'dead_letter' || status === 'retry') this.framesFailed += 1;
    if (Number.isFinite(totalSeconds) && totalSeconds >= 0) this.observeStage('total', totalSeconds);
  }

  facesDetected(count: number): void {
    if (count > 0) this.detections.inc(count);
  }

  facesMatched(matches: readonly IdentityMatch[]): void {
    let known = 0;
    for (const match of matches) {
      const best = match.status === 'known' ? match.similarity : match.bestSimilarity;
      if (match.status === 'known') known += 1;
      if (best !== null && Number.isFinite(best)) this.matchSimilarity.observe(best);
    }
    if (known > 0) this.matches.labels('known').inc(known);
    if (matches.length > known) this.matches.labels('unknown').inc(matches.length - known);
  }

  deadLettered(reason: string): void {
    let label = boundedReason(reason);
    if (!this.reasons.has(label)) {
      if (this.reasons.size >= MAX_REASONS) label = 'other';
      else this.reasons.add(label);
    }
    this.deadLetters.labels(label).inc();
  }

  batchFormed(frames: number): void {
    if (frames > 0) this.batchSize.observe(frames);
  }

  queueLag(seconds: number): void {
    // Clock skew between producer and processor can make it negative: count it as no lag.
    if (Number.isFinite(seconds)) this.lag.observe(Math.max(0, seconds));
  }

  inflight(frames: number): void {
    this.inflightFrames.set(frames);
  }

  // --- other observers --------------------------------------------------------

  observeStage(stage: PipelineStage | 'total', seconds: number): void {
    (this.stageChildren.get(stage) ?? this.stageDuration.labels(stage)).observe(seconds);
  }

  traceContextUnusable(problem: TraceContextProblem): void {
    this.traceInvalid.labels(problem).inc();
  }

  modelLoaded(model: string, seconds: number): void {
    this.modelLoad.labels(model).set(seconds);
  }

  /** Sets (or replaces) the source of `face_queue_pending`, e.g. once the queue exists. */
  setPendingCount(source: (() => Promise<number>) | undefined): void {
    this.pendingSource = source;
  }

  /** Sets the source of the gallery gauges (the identity index), read at scrape time. */
  setGallerySize(source: (() => GallerySize) | undefined): void {
    this.gallerySource = source;
  }

  /** Frames finished and frames failed (dead_letter + retry) since start, for /health. */
  totals(): { readonly framesProcessed: number; readonly errors: number } {
    return { framesProcessed: this.framesFinished, errors: this.framesFailed };
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  // --- GPU ------------------------------------------------------------------

  private gpuQuery(option: GpuMetricsOption): (() => Promise<string>) | undefined {
    if (option === false) return undefined;
    if (option !== 'auto') return option.query;
    const executable = findOnPath('nvidia-smi');
    return executable === undefined ? undefined : () => runNvidiaSmi(executable);
  }

  private registerGpuGauges(sampler: CachedGpuSampler): void {
    const gauge = (name: string, help: string, value: (reading: GpuReading) => number | undefined): void => {
      new Gauge({
        name,
        help,
        labelNames: ['gpu'],
        registers: [this.registry],
        async collect() {
          const readings = await sampler.sample();
          this.reset();
          for (const reading of readings) {
            const v = value(reading);
            if (v !== undefined) this.labels(reading.gpu).set(v);
          }
        },
      });
    };
    gauge('gpu_utilization', 'GPU utilisation (0–1) reported by nvidia-smi.', (r) => r.utilizationRatio);
    gauge('gpu_memory_used_bytes', 'GPU memory in use reported by nvidia-smi.', (r) => r.memoryUsedBytes);
    gauge('gpu_temperature_celsius', 'GPU temperature reported by nvidia-smi.', (r) => r.temperatureCelsius);
  }
}
