import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ROOT_CONTEXT, context as otelContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-node';
import type { FrameDelivery } from '../../../application/ports/frame-queue';
import type { FrameOutcome } from '../../../application/ports/frame-telemetry';
import type { DiscardingFrames, Tally } from './discarding-frames';
import type { ChildProcessSink, SinkStats } from './otlp-sink-process';
import type { Configuration, ConfigurationName } from './traced-configurations';

export interface RoundResult {
  readonly seconds: number;
  /** How long the round waited, after its last batch, for the export it started. */
  readonly exportWaitSeconds: number;
  readonly framesPerSecond: number;
  readonly tally: Tally;
  /** Spans the sink received during the round: what the configuration had buffered, if its export was due. */
  readonly spans: number;
  readonly sampledParents: number;
  /** CPU per frame of this process (every thread) plus the sink, in ms. */
  readonly cpuMsPerFrame: number;
  readonly sinkCpuMsPerFrame: number;
  /** CPU per frame of the main thread alone, in ms; null where the OS does not tell. */
  readonly mainThreadMsPerFrame: number | null;
}

/** The AsyncLocalStorage context manager the service installs globally when tracing is on (NodeTracerProvider.register). */
async function withGlobalContextManager<T>(enabled: boolean, run: () => Promise<T>): Promise<T> {
  if (!enabled) return run();
  otelContext.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  try {
    return await run();
  } finally {
    otelContext.disable();
  }
}

/**
 * CPU time of the main thread alone, in ms (Linux: the first field of the
 * thread's schedstat, in ns); null elsewhere. process.cpuUsage() adds the
 * inference workers, whose far larger and noisier time hides what tracing
 * adds on the main thread.
 */
export function mainThreadCpuMs(): number | null {
  try {
    const nanoseconds = Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
    return Number.isFinite(nanoseconds) && nanoseconds > 0 ? nanoseconds / 1e6 : null;
  } catch {
    return null;
  }
}

const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** The producers' trace contexts of one round's frames, shared by A, B and C so that they sample the same frames. */
export interface ProducerContexts {
  readonly traceparents: string[];
  readonly sampled: number;
}

/**
 * Runs rounds of frames through a configuration, timing them and counting
 * CPU, spans and trace contexts. As in the service, whose batch span processor
 * exports every 5 s while frames are being processed, a configuration exports what it has
 * buffered at the start of its first round `exportIntervalMs` or more after its previous
 * export, overlapped with that round's batch; the round ends when the export has, so its
 * time and CPU include it, and no export lands in another configuration's round. (Flushing
 * after every batch instead put an export on the critical path with the workers idle, which
 * the service never does: 0.6 % of a round for B.)
 */
export class TracingRounds {
  /** When each configuration last exported (performance.now()). */
  private readonly lastExport = new Map<ConfigurationName, number>();
  private entrySequence = 0;

  constructor(
    private readonly frames: DiscardingFrames,
    private readonly sink: ChildProcessSink,
    /** The image of frame `i` of round `round`. */
    private readonly imageOf: (round: number, i: number) => Buffer,
    private readonly batchSize: number,
    private readonly exportIntervalMs: number,
    /** An upstream producer on the service's default samples its root spans by trace id: so do the frames here. */
    private readonly producerSampler: TraceIdRatioBasedSampler,
  ) {}

  producerContexts(n: number): ProducerContexts {
    const traceparents: string[] = [];
    let sampled = 0;
    for (let i = 0; i < n; i += 1) {
      const traceId = randomHex(16);
      const isSampled = this.producerSampler.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
      if (isSampled) sampled += 1;
      traceparents.push(`00-${traceId}-${randomHex(8)}-${isSampled ? '01' : '00'}`);
    }
    return { traceparents, sampled };
  }

  /** Starts the export clock of `c` now (after the warm-up's spans were flushed). */
  resetExportClock(c: Configuration): void {
    this.lastExport.set(c.name, performance.now());
  }

  spansOf(stats: SinkStats, c: Configuration): number {
    return c.sinkPrefix === null ? 0 : (stats.prefixes[c.sinkPrefix]?.spans ?? 0);
  }

  /** Frames as `facerec loadgen` sends them (trace_context JSON with a traceparent), pixels inline. */
  private deliveries(name: ConfigurationName, round: number, traceparents: readonly string[]): { deliveries: FrameDelivery[]; parents: Map<string, string> } {
    const deliveries: FrameDelivery[] = [];
    const parents = new Map<string, string>();
    traceparents.forEach((traceparent, i) => {
      const image = this.imageOf(round, i);
      const entryId = `${Date.now()}-${this.entrySequence++}`;
      parents.set(entryId, traceparent);
      deliveries.push({
        entryId,
        deliveryCount: 1,
        image,
        fields: {
          frame_id: `bench-${name}-${round}-${i}`,
          camera_id: `bench-${i % 4}`,
          timestamp: new Date().toISOString(),
          size_bytes: String(image.length),
          width: '',
          height: '',
          format: 'jpeg',
          trace_context: JSON.stringify({ traceparent }),
          metadata: JSON.stringify({ detection_type: 'face_detection' }),
          priority: 'normal',
          storage_path: '',
          storage_backend: '',
        },
      });
    });
    return { deliveries, parents };
  }

  /** Processes the round's frames in batches under `c`. */
  async run(c: Configuration, round: number, producers: ProducerContexts): Promise<RoundResult> {
    const { frames, sink, batchSize } = this;
    const n = producers.traceparents.length;
    const { deliveries, parents } = this.deliveries(c.name, round, producers.traceparents);
    frames.expect(parents);
    const before = await sink.stats();
    const measured = await withGlobalContextManager(c.tracing !== null, async () => {
      const mainBefore = mainThreadCpuMs();
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const exportDue = c.tracing !== null && started - (this.lastExport.get(c.name) ?? started) >= this.exportIntervalMs;
      if (exportDue) this.lastExport.set(c.name, started);
      const exported = exportDue ? c.tracing?.forceFlush() : undefined;
      for (let start = 0; start < deliveries.length; start += batchSize) {
        const outcomes: FrameOutcome[] = await c.processFrames.execute(deliveries.slice(start, start + batchSize));
        for (const outcome of outcomes) {
          if (outcome.status === 'published') {
            frames.tally.published += 1;
            frames.tally.faces += outcome.faces;
          } else frames.tally.otherOutcomes += 1;
        }
      }
      const batchesEnded = performance.now();
      await exported;
      const ended = performance.now();
      const cpu = process.cpuUsage(cpuBefore);
      const mainAfter = mainThreadCpuMs();
      return {
        seconds: (ended - started) / 1000,
        exportWaitSeconds: (ended - batchesEnded) / 1000,
        processCpuMs: (cpu.user + cpu.system) / 1000,
        mainThreadMs: mainBefore === null || mainAfter === null ? null : mainAfter - mainBefore,
      };
    });
    const after = await sink.stats();
    const sinkCpuMs = (after.cpuMicros - before.cpuMicros) / 1000;
    return {
      seconds: measured.seconds,
      exportWaitSeconds: measured.exportWaitSeconds,
      framesPerSecond: n / measured.seconds,
      tally: frames.tally,
      spans: this.spansOf(after, c) - this.spansOf(before, c),
      sampledParents: producers.sampled,
      cpuMsPerFrame: (measured.processCpuMs + sinkCpuMs) / n,
      sinkCpuMsPerFrame: sinkCpuMs / n,
      mainThreadMsPerFrame: measured.mainThreadMs === null ? null : measured.mainThreadMs / n,
    };
  }
}
