import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ROOT_CONTEXT, context as otelContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-node';
import type { FrameOutcome } from '../../application/ports/frame-telemetry';
import type { DeadLetter, FrameDelivery, FrameQueue } from '../../application/ports/frame-queue';
import type { PublishOutcome, ResultPublisher } from '../../application/ports/result-publisher';
import { TOKENS } from '../../application/tokens';
import { AnalyzeFaces, type AnalyzeFacesOptions } from '../../application/use-cases/analyze-faces';
import { ProcessFrames } from '../../application/use-cases/process-frames';
import type { Container } from 'inversify';
import { CONFIG_SCHEMA, SERVICE_VERSION, type Config } from '../config/config';
import { INFRA } from '../tokens';
import { InlineFrameImageStore } from '../embedded/inline-image-store';
import { listImages } from '../files/list-images';
import type { LoadedModelSet } from '../onnx/model-set';
import { OtelFrameTelemetry } from '../telemetry/otel-frame-telemetry';
import { PrometheusMetrics } from '../telemetry/prometheus-metrics';
import { percentile } from '../telemetry/stage-timings';
import { setupTracing, type SamplerName, type Tracing } from '../telemetry/tracing';
import { nonNegativeInteger, positiveInteger, UsageError, type CommandOutput } from './output';
import { describeRatio, describeSpread, ratioOfTotals, rotated, signedMs, signedPercent, spreadOf } from './paired-rounds';

/**
 * `facerec bench-tracing`: what tracing costs the frame processor, measured in
 * one run. The real frame path (ProcessFrames over the real pipeline and
 * models, images inline in the delivery, producer trace context as
 * `facerec loadgen` sends it, results acknowledged and dropped in memory) runs
 * under three configurations:
 *
 *   A. tracing disabled (OTEL_SDK_DISABLED=true): OtelFrameTelemetry with tracer null;
 *   B. the service's default sampler (CONFIG_SCHEMA defaults), exporting over OTLP/HTTP;
 *   C. always_on (100 %), exporting over OTLP/HTTP.
 *
 * A difference of 1 % has to show through machine noise of several per cent
 * (a shared machine whose cores the inference workers saturate), so the run
 * is many short rounds: by default one batch per configuration. Within a round
 * A, B and C process the same frames (same images, same producer contexts) one
 * after the other, in an order rotated each round (ABC, BCA, CAB, …) so that
 * no configuration always comes first or last; each round then gives paired
 * ratios B/A and C/A, which cancel whatever noise is slower than a round. Most
 * of this machine's noise is (one-batch rounds resolve as well as 16 times
 * longer ones in the same time), hence the short rounds. The headline figures
 * are whole-run throughput ratios (Σ time of A / Σ time of B) with a 95 %
 * interval from the paired per-round differences; beside them, the medians of
 * the per-round ratios with their interquartile range and a distribution-free
 * 95 % interval. Beside frames/s the run reports CPU time per frame —
 * the whole process (main thread and inference workers) plus the OTLP sink —
 * which does not depend on how the scheduler shares the cores, and, on
 * Linux, the main thread's own CPU time, where tracing runs.
 *
 * Spans go to a loopback OTLP/HTTP sink in a child process that counts them,
 * drops the bodies and reports its own CPU time.
 */

export interface BenchTracingFlags {
  readonly images?: string;
  readonly count?: string;
  readonly batch?: string;
  readonly rounds?: string;
  readonly pool?: string;
  readonly 'export-interval'?: string;
}

/** The batch span processor's default schedule (OTEL_BSP_SCHEDULE_DELAY), which the service runs with. */
const SERVICE_EXPORT_INTERVAL_MS = 5000;
/** Out of the way: in the benchmark a configuration's exports happen in its own rounds only (see `run`). */
const NEVER_MS = 3_600_000;
type ConfigurationName = 'A' | 'B' | 'C';

interface Configuration {
  readonly name: ConfigurationName;
  readonly label: string;
  readonly tracing: Tracing | null;
  /** Path prefix of this configuration's exports at the sink (B and C). */
  readonly sinkPrefix: string | null;
  readonly processFrames: ProcessFrames;
}

interface RoundResult {
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

interface Tally {
  published: number;
  otherOutcomes: number;
  faces: number;
  /** Results whose traceparent is the producer's own (no span was created in between). */
  passedThrough: number;
  /** Results continuing the producer's trace with a new span id. */
  continued: number;
  /** Results whose traceparent has the sampled flag. */
  sampled: number;
}

const newTally = (): Tally => ({ published: 0, otherOutcomes: 0, faces: 0, passedThrough: 0, continued: 0, sampled: 0 });

const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

/**
 * The queue and the result publisher of the benchmark, in memory: results are
 * acknowledged and dropped, after noting how their trace context relates to
 * the producer's (the proof that configuration A created no span).
 */
class DiscardingFrames implements FrameQueue, ResultPublisher {
  readonly stream = 'bench-tracing';
  private producerParents = new Map<string, string>();
  tally = newTally();

  /** Starts a round: the producer traceparent of each entry id. */
  expect(producerParents: Map<string, string>): void {
    this.producerParents = producerParents;
    this.tally = newTally();
  }

  async publish(delivery: FrameDelivery, _frameId: string, result: Readonly<Record<string, string>>): Promise<PublishOutcome> {
    const producer = this.producerParents.get(delivery.entryId);
    const outgoing = result.traceparent;
    if (outgoing !== undefined && producer !== undefined) {
      if (outgoing === producer) this.tally.passedThrough += 1;
      else if (outgoing.slice(3, 35) === producer.slice(3, 35)) this.tally.continued += 1;
      if (outgoing.endsWith('-01')) this.tally.sampled += 1;
    }
    return 'published';
  }

  async ensureGroup(): Promise<void> {}
  async read(): Promise<FrameDelivery[]> {
    return [];
  }
  async reclaim(): Promise<FrameDelivery[]> {
    return [];
  }
  async deadLetter(_delivery: FrameDelivery, _failure: DeadLetter): Promise<void> {}
  async pendingCount(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}

/**
 * The OTLP/HTTP sink, run with `node -e` in a child process: accepts POST
 * `<prefix>/v1/traces`, counts the spans of OTLP/JSON bodies per prefix and
 * drops them; GET /stats returns the counts and the sink's own CPU time (its
 * work is part of what tracing costs the machine). Prints its port on stdout;
 * exits when its stdin closes (i.e. with the benchmark).
 */
const SINK_SOURCE = String.raw`
const http = require('node:http');
const zlib = require('node:zlib');
const stats = {};
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const path = (req.url || '').split('?')[0];
    if (req.method === 'GET' && path === '/stats') {
      const cpu = process.cpuUsage();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ prefixes: stats, cpuMicros: cpu.user + cpu.system }));
      return;
    }
    if (req.method !== 'POST' || !path.endsWith('/v1/traces')) { res.writeHead(404).end(); return; }
    const prefix = path.slice(0, -'/v1/traces'.length) || '/';
    const entry = (stats[prefix] ??= { requests: 0, spans: 0, bytes: 0, unreadable: 0 });
    entry.requests += 1;
    let body = Buffer.concat(chunks);
    entry.bytes += body.length;
    try {
      const encoding = String(req.headers['content-encoding'] || '').toLowerCase();
      if (encoding === 'gzip') body = zlib.gunzipSync(body);
      else if (encoding === 'deflate') body = zlib.inflateSync(body);
      const doc = JSON.parse(body.toString('utf8'));
      for (const rs of doc.resourceSpans || []) for (const ss of rs.scopeSpans || []) entry.spans += (ss.spans || []).length;
    } catch {
      entry.unreadable += 1;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

interface SinkCounts {
  readonly requests: number;
  readonly spans: number;
  readonly bytes: number;
  readonly unreadable: number;
}

interface SinkStats {
  readonly prefixes: Readonly<Record<string, SinkCounts>>;
  /** user + system CPU time of the sink process so far. */
  readonly cpuMicros: number;
}

class ChildProcessSink {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(): Promise<ChildProcessSink> {
    const child = spawn(process.execPath, ['-e', SINK_SOURCE], { stdio: ['pipe', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      const onData = (chunk: Buffer): void => {
        buffered += chunk.toString('utf8');
        const newline = buffered.indexOf('\n');
        if (newline < 0) return;
        child.stdout?.off('data', onData);
        try {
          resolve((JSON.parse(buffered.slice(0, newline)) as { port: number }).port);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      child.stdout?.on('data', onData);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the OTLP sink exited (code ${code}) before listening`)));
    });
    return new ChildProcessSink(child, port);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stats(): Promise<SinkStats> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.port, path: '/stats', method: 'GET', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SinkStats);
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      });
      req.once('error', reject);
      req.end();
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGTERM'), 2000);
    await exited;
    clearTimeout(timer);
  }
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
function mainThreadCpuMs(): number | null {
  try {
    const nanoseconds = Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
    return Number.isFinite(nanoseconds) && nanoseconds > 0 ? nanoseconds / 1e6 : null;
  } catch {
    return null;
  }
}

const fixed = (value: number | null, digits: number): string => (value === null ? 'n/a' : value.toFixed(digits));

/** `container` is the pipeline's composition (models loaded); the caller releases it. */
export async function benchTracingCommand(container: Container, config: Config, flags: BenchTracingFlags, output: CommandOutput): Promise<number> {
  if (!flags.images) throw new UsageError('bench-tracing needs --images <dir>');
  const batchSize = positiveInteger(flags.batch, 'batch', 8);
  const count = positiveInteger(flags.count, 'count', batchSize);
  const rounds = positiveInteger(flags.rounds, 'rounds', 240);
  const poolSize = positiveInteger(flags.pool, 'pool', 256);
  const exportIntervalMs = nonNegativeInteger(flags['export-interval'], 'export-interval', SERVICE_EXPORT_INTERVAL_MS);
  const paths = (await listImages(flags.images)).slice(0, poolSize);
  if (paths.length === 0) throw new UsageError(`no images under ${flags.images}`);
  const files = await Promise.all(paths.map((p) => readFile(p)));
  /** Round after round walks through the pool, so that the run covers more faces than one round holds. */
  const imageOf = (round: number, i: number): Buffer => files[(round * count + i) % files.length] as Buffer;

  // The service's defaults, not this environment's: B is "what a deployment gets out of the box".
  const defaultSampler = CONFIG_SCHEMA.OTEL_TRACES_SAMPLER.defaultValue as SamplerName;
  const defaultRatio = CONFIG_SCHEMA.OTEL_TRACES_SAMPLER_ARG.defaultValue as number;
  // An upstream producer on the same default samples its root spans by trace id: so do the frames here.
  const producerSampler = new TraceIdRatioBasedSampler(defaultRatio);

  const sink = await ChildProcessSink.start();
  const tracings: Tracing[] = [];
  try {
    const modelSet = container.get<LoadedModelSet>(INFRA.ModelSet);
    const metrics = new PrometheusMetrics({ gpu: false });
    const frames = new DiscardingFrames();
    const images = new InlineFrameImageStore();
    const queueName = `frames:ready:${config.PROCESSOR_ID}`;

    const configuration = (name: ConfigurationName, label: string, sampler: SamplerName | null, ratio = 1): Configuration => {
      const sinkPrefix = sampler === null ? null : `/${name.toLowerCase()}`;
      const tracing =
        sampler === null
          ? null
          : setupTracing({
              serviceName: config.OTEL_SERVICE_NAME,
              serviceVersion: SERVICE_VERSION,
              resourceAttributes: { 'processor.id': config.PROCESSOR_ID, 'bench.configuration': name },
              endpoint: `${sink.endpoint}${sinkPrefix}`,
              sampler,
              samplerArg: ratio,
              instrumentRedis: false,
              registerGlobally: false,
              // No timed or size-triggered export of its own: `run` exports on the service's schedule, inside this configuration's rounds.
              batch: { scheduledDelayMillis: NEVER_MS, maxQueueSize: 65_536, maxExportBatchSize: 65_536 },
            });
      if (tracing !== null) {
        if (!tracing.enabled) throw new Error(`configuration ${name}: setupTracing returned no provider`);
        tracings.push(tracing);
      }
      const telemetry = new OtelFrameTelemetry({
        tracer: tracing === null ? null : tracing.tracer,
        processorId: config.PROCESSOR_ID,
        queue: queueName,
        consumerGroup: config.CONSUMER_GROUP,
        metrics,
      });
      const analyze = new AnalyzeFaces(
        {
          decoder: container.get(TOKENS.ImageDecoder),
          detector: container.get(TOKENS.FaceDetector),
          landmarks: container.get(TOKENS.LandmarkLocator),
          aligner: container.get(TOKENS.FaceAligner),
          embedder: container.get(TOKENS.FaceEmbedder),
          instrumentation: telemetry,
        },
        container.get<AnalyzeFacesOptions>(TOKENS.AnalyzeFacesOptions),
      );
      const processFrames = new ProcessFrames(
        { analyze, images, queue: frames, publisher: frames, telemetry, metrics, now: Date.now },
        { processorId: config.PROCESSOR_ID, modelVersion: modelSet.version, maxAttempts: config.MAX_ATTEMPTS, publishEmbeddings: config.PUBLISH_EMBEDDINGS },
      );
      return { name, label, tracing, sinkPrefix, processFrames };
    };

    const configurations: Configuration[] = [
      configuration('A', 'tracing disabled (OTEL_SDK_DISABLED=true: OtelFrameTelemetry tracer null, no provider, no context manager)', null),
      configuration('B', `service default sampler ${defaultSampler} ${defaultRatio}, OTLP/HTTP export to the sink`, defaultSampler, defaultRatio),
      configuration('C', '100% sampling (always_on), OTLP/HTTP export to the sink', 'always_on'),
    ];

    /** The producers' trace contexts of one round's frames, shared by A, B and C so that they sample the same frames. */
    const producerContexts = (n: number): { traceparents: string[]; sampled: number } => {
      const traceparents: string[] = [];
      let sampled = 0;
      for (let i = 0; i < n; i += 1) {
        const traceId = randomHex(16);
        const isSampled = producerSampler.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
        if (isSampled) sampled += 1;
        traceparents.push(`00-${traceId}-${randomHex(8)}-${isSampled ? '01' : '00'}`);
      }
      return { traceparents, sampled };
    };

    /** Frames as `facerec loadgen` sends them (trace_context JSON with a traceparent), pixels inline. */
    let entrySequence = 0;
    const makeDeliveries = (
      name: ConfigurationName,
      round: number,
      traceparents: readonly string[],
    ): { deliveries: FrameDelivery[]; parents: Map<string, string> } => {
      const deliveries: FrameDelivery[] = [];
      const parents = new Map<string, string>();
      traceparents.forEach((traceparent, i) => {
        const image = imageOf(round, i);
        const entryId = `${Date.now()}-${entrySequence++}`;
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
    };

    const spansOf = (stats: SinkStats, c: Configuration): number => (c.sinkPrefix === null ? 0 : (stats.prefixes[c.sinkPrefix]?.spans ?? 0));

    /** When each configuration last exported (performance.now()). */
    const lastExport = new Map<ConfigurationName, number>();

    /**
     * Processes the frames in batches under `c`. As in the service, whose batch span processor
     * exports every 5 s while frames are being processed, a configuration exports what it has
     * buffered at the start of its first round `exportIntervalMs` or more after its previous
     * export, overlapped with that round's batch; the round ends when the export has, so its
     * time and CPU include it, and no export lands in another configuration's round. (Flushing
     * after every batch instead put an export on the critical path with the workers idle, which
     * the service never does: 0.6 % of a round for B.)
     */
    const run = async (c: Configuration, round: number, producers: { traceparents: string[]; sampled: number }): Promise<RoundResult> => {
      const n = producers.traceparents.length;
      const { deliveries, parents } = makeDeliveries(c.name, round, producers.traceparents);
      frames.expect(parents);
      const before = await sink.stats();
      const measured = await withGlobalContextManager(c.tracing !== null, async () => {
        const mainBefore = mainThreadCpuMs();
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        const exportDue = c.tracing !== null && started - (lastExport.get(c.name) ?? started) >= exportIntervalMs;
        if (exportDue) lastExport.set(c.name, started);
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
        spans: spansOf(after, c) - spansOf(before, c),
        sampledParents: producers.sampled,
        cpuMsPerFrame: (measured.processCpuMs + sinkCpuMs) / n,
        sinkCpuMsPerFrame: sinkCpuMs / n,
        mainThreadMsPerFrame: measured.mainThreadMs === null ? null : measured.mainThreadMs / n,
      };
    };

    const warmUp = 4 * batchSize;
    const totalFrames = count * rounds * configurations.length;
    output.line(
      `bench-tracing: ${rounds} round(s) of ${count} frames per configuration (${totalFrames} frames in all), batch ${batchSize}, warm-up ${warmUp} frames per configuration; ` +
        `${files.length} image file(s) from ${flags.images} taken in turn, inline in the delivery`,
    );
    output.line(
      `machine: ${cpus().length} CPU(s), node ${process.version}, execution provider ${config.EXECUTION_PROVIDER}, model set ${modelSet.version}; ` +
        'ProcessFrames.execute called batch after batch (no FrameConsumer), results acknowledged and dropped in memory',
    );
    output.line(
      `frames: producer trace_context {"traceparent"} as facerec loadgen sends it; sampled flag set by TraceIdRatioBasedSampler(${defaultRatio}) on the producer's trace id, ` +
        `as an upstream producer on the same default (${defaultSampler} ${defaultRatio}) would; within a round A, B and C get the same images and producer contexts`,
    );
    for (const c of configurations) output.line(`${c.name}: ${c.label}`);
    output.line(
      `sink: loopback OTLP/HTTP (JSON) receiver in a child process (pid ${sink.pid ?? '?'}, ${sink.endpoint}), counts spans and drops bodies; ` +
        `its CPU time is added to the CPU per frame, and it shares the machine's ${cpus().length} CPU(s)`,
    );
    output.line(
      'B and C: one NodeTracerProvider each for the whole run (registerGlobally false, a batch span processor whose exports the benchmark schedules), ' +
        'the AsyncLocalStorage context manager installed globally during their rounds as the service does; ' +
        `each exports its buffered spans every ${exportIntervalMs / 1000} s as the service's batch span processor does, at the start of its first round that is due and while that round's batch runs; ` +
        'the round ends when the export has (its time and CPU include it), so no export lands in another configuration',
    );
    output.line(
      'rounds: the order rotates each round (ABC, BCA, CAB, …); each round gives paired ratios B/A and C/A; ' +
        'headline figures are whole-run frames/s ratios (Σ seconds of A / Σ seconds of B or C) with a 95% CI from the paired per-round differences; ' +
        'beside them, medians of the per-round ratios with IQR and a 95% CI of the median; ' +
        `cpu = this process (all threads) + the sink, main thread = ${mainThreadCpuMs() === null ? 'not available on this OS' : 'the event loop thread alone (Linux schedstat)'}`,
    );
    if (rounds % configurations.length !== 0) {
      output.line(`note: ${rounds} rounds is not a multiple of ${configurations.length}: the configurations do not take every position equally often`);
    }

    const warmUpProducers = producerContexts(warmUp);
    for (const c of configurations) await run(c, 0, warmUpProducers);
    // The rounds start with nothing buffered, and the export clock at zero.
    for (const c of configurations) {
      await c.tracing?.forceFlush();
      lastExport.set(c.name, performance.now());
    }
    const spansBeforeRounds = await sink.stats();

    const results = new Map<ConfigurationName, RoundResult[]>(configurations.map((c) => [c.name, []]));
    /** Per round, B and C against A of the same round. */
    const paired = { B: { fps: [] as number[], cpu: [] as number[], main: [] as number[] }, C: { fps: [] as number[], cpu: [] as number[], main: [] as number[] } };
    const secondsOf = (name: ConfigurationName): number[] => (results.get(name) as RoundResult[]).map((r) => r.seconds);
    for (let round = 1; round <= rounds; round += 1) {
      const producers = producerContexts(count);
      const order = rotated(configurations, round);
      const ofRound = new Map<ConfigurationName, RoundResult>();
      for (const c of order) {
        const r = await run(c, round, producers);
        ofRound.set(c.name, r);
        (results.get(c.name) as RoundResult[]).push(r);
        const t = r.tally;
        output.line(
          `round ${round} ${c.name}: ${r.framesPerSecond.toFixed(1)} frames/s (${count} frames in ${r.seconds.toFixed(4)} s, export wait ${r.exportWaitSeconds.toFixed(4)} s), ` +
            `cpu ${r.cpuMsPerFrame.toFixed(2)} ms/frame (sink ${r.sinkCpuMsPerFrame.toFixed(3)}, main thread ${fixed(r.mainThreadMsPerFrame, 3)}), ` +
            `published ${t.published}, other ${t.otherOutcomes}, faces ${t.faces}, spans exported ${r.spans}, ` +
            `sampled parents ${r.sampledParents}, results: producer span passed through ${t.passedThrough}, new span ${t.continued}, sampled ${t.sampled}`,
        );
      }
      const a = ofRound.get('A') as RoundResult;
      const pairs: string[] = [];
      for (const name of ['B', 'C'] as const) {
        const x = ofRound.get(name) as RoundResult;
        paired[name].fps.push(x.framesPerSecond / a.framesPerSecond);
        paired[name].cpu.push(x.cpuMsPerFrame / a.cpuMsPerFrame);
        if (x.mainThreadMsPerFrame !== null && a.mainThreadMsPerFrame !== null) paired[name].main.push(x.mainThreadMsPerFrame - a.mainThreadMsPerFrame);
        pairs.push(`${name}/A frames/s ${signedPercent(x.framesPerSecond / a.framesPerSecond)}, cpu/frame ${signedPercent(x.cpuMsPerFrame / a.cpuMsPerFrame)}`);
      }
      output.line(`round ${round} paired (order ${order.map((c) => c.name).join('')}): ${pairs.join('; ')}`);
    }

    // The last round's spans, untimed: the totals below count every round's.
    for (const c of configurations) await c.tracing?.forceFlush();
    const totals = await sink.stats();
    const medianFps = new Map<ConfigurationName, number>();
    let failed = false;
    const fail = (message: string): void => {
      output.line(`error: ${message}`);
      failed = true;
    };
    for (const c of configurations) {
      const rs = results.get(c.name) as RoundResult[];
      const fps = spreadOf(rs.map((r) => r.framesPerSecond));
      medianFps.set(c.name, fps.median);
      const cpu = percentile(rs.map((r) => r.cpuMsPerFrame), 50);
      const sinkCpu = percentile(rs.map((r) => r.sinkCpuMsPerFrame), 50);
      const mains = rs.flatMap((r) => (r.mainThreadMsPerFrame === null ? [] : [r.mainThreadMsPerFrame]));
      const spans = spansOf(totals, c) - spansOf(spansBeforeRounds, c);
      const passed = rs.reduce((s, r) => s + r.tally.passedThrough, 0);
      const sampledResults = rs.reduce((s, r) => s + r.tally.sampled, 0);
      const sampledParents = rs.reduce((s, r) => s + r.sampledParents, 0);
      const frameTotal = rs.length * count;
      output.line(
        `${c.name} median ${fps.median.toFixed(1)} frames/s (IQR ${fps.q1.toFixed(1)}..${fps.q3.toFixed(1)}), ` +
          `cpu ${cpu.toFixed(2)} ms/frame (sink ${sinkCpu.toFixed(3)}, main thread ${fixed(mains.length > 0 ? percentile(mains, 50) : null, 3)}), ` +
          `spans exported ${spans} (${(spans / frameTotal).toFixed(2)} per frame), sampled parents ${sampledParents}/${frameTotal}, ` +
          `producer span passed through ${passed}/${frameTotal}, results sampled ${sampledResults}/${frameTotal}` +
          (c.tracing === null ? " (no provider: a result keeps the producer's span id only if no span was created for its frame)" : ''),
      );
      // The checks that the configurations trace as intended: otherwise the figures compare the wrong things.
      if (c.tracing === null && passed !== frameTotal) {
        fail(`configuration ${c.name} is meant to create no span, but ${frameTotal - passed} result(s) carry a span id of their own`);
      }
      if (c.tracing !== null && passed !== 0) {
        fail(`configuration ${c.name} is meant to give every frame a span of its own, but ${passed} result(s) carry the producer's span id`);
      }
      if (c.name === 'B' && defaultSampler.startsWith('parentbased_') && sampledResults !== sampledParents) {
        fail(`configuration B follows the producer's decision (${defaultSampler}), but ${sampledResults} result(s) are sampled for ${sampledParents} sampled parent(s)`);
      }
      if (c.name === 'C' && sampledResults !== frameTotal) fail(`configuration C samples every frame, but only ${sampledResults}/${frameTotal} results are sampled`);
    }
    const unreadable = Object.values(totals.prefixes).reduce((s, t) => s + t.unreadable, 0);
    if (unreadable > 0) output.line(`warning: the sink could not read ${unreadable} export request(s): their spans are not counted`);

    const spreads = {
      B: { fps: spreadOf(paired.B.fps), cpu: spreadOf(paired.B.cpu), main: spreadOf(paired.B.main) },
      C: { fps: spreadOf(paired.C.fps), cpu: spreadOf(paired.C.cpu), main: spreadOf(paired.C.main) },
    };
    const wholeRun = { B: ratioOfTotals(secondsOf('A'), secondsOf('B')), C: ratioOfTotals(secondsOf('A'), secondsOf('C')) };
    for (const name of ['B', 'C'] as const) {
      const s = spreads[name];
      output.line(
        `${name} vs A over ${rounds} paired round(s): whole-run frames/s ${describeRatio(wholeRun[name])}; ` +
          `per-round frames/s ${describeSpread(s.fps)}; cpu per frame ${describeSpread(s.cpu)}` +
          (s.main.n > 0 ? `; main thread cpu per frame ${describeSpread(s.main, signedMs)}` : ''),
      );
    }
    const fpsOf = (name: ConfigurationName): string => (medianFps.get(name) as number).toFixed(1);
    output.line(
      `tracing overhead: default sampler ${describeRatio(wholeRun.B)}, 100% sampling ${describeRatio(wholeRun.C)} ` +
        `(whole-run frames/s over ${rounds} paired round(s); per-round medians B ${signedPercent(spreads.B.fps.median)}, C ${signedPercent(spreads.C.fps.median)}, ` +
        `frames/s A ${fpsOf('A')}, B ${fpsOf('B')}, C ${fpsOf('C')}; cpu per frame B ${signedPercent(spreads.B.cpu.median)}, C ${signedPercent(spreads.C.cpu.median)})`,
    );
    return failed ? 1 : 0;
  } finally {
    for (const tracing of tracings) await tracing.shutdown();
    await sink.stop();
  }
}
