import { readFile } from 'node:fs/promises';
import { TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-node';
import type { Container } from 'inversify';
import { CONFIG_SCHEMA, type Config } from '../config/config';
import { INFRA } from '../tokens';
import { listImages } from '../files/list-images';
import type { LoadedModelSet } from '../onnx/model-set';
import type { SamplerName, Tracing } from '../telemetry/tracing';
import { describeSetup, roundLine, summarise, type PairedRatios } from './bench-tracing/bench-tracing-report';
import { DiscardingFrames } from './bench-tracing/discarding-frames';
import { ChildProcessSink } from './bench-tracing/otlp-sink-process';
import { tracedConfigurations, type ConfigurationName } from './bench-tracing/traced-configurations';
import { TracingRounds, type RoundResult } from './bench-tracing/tracing-rounds';
import { nonNegativeInteger, positiveInteger, UsageError, type CommandOutput } from './output';
import { rotated, signedPercent } from './paired-rounds';

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

  const sink = await ChildProcessSink.start();
  const tracings: Tracing[] = [];
  try {
    const modelSet = container.get<LoadedModelSet>(INFRA.ModelSet);
    const frames = new DiscardingFrames();
    const configurations = tracedConfigurations(container, config, frames, sink.endpoint, { sampler: defaultSampler, ratio: defaultRatio }, modelSet.version, tracings);
    // An upstream producer on the same default samples its root spans by trace id: so do the frames here.
    const runner = new TracingRounds(frames, sink, imageOf, batchSize, exportIntervalMs, new TraceIdRatioBasedSampler(defaultRatio));
    const warmUp = 4 * batchSize;
    describeSetup(
      output,
      {
        rounds, count, batchSize, warmUp, imageCount: files.length, imagesDir: flags.images,
        executionProvider: config.EXECUTION_PROVIDER, modelSet: modelSet.version, defaultSampler, defaultRatio, exportIntervalMs,
        sink: { pid: sink.pid, endpoint: sink.endpoint },
      },
      configurations,
    );

    const warmUpProducers = runner.producerContexts(warmUp);
    for (const c of configurations) await runner.run(c, 0, warmUpProducers);
    // The rounds start with nothing buffered, and the export clock at zero.
    for (const c of configurations) {
      await c.tracing?.forceFlush();
      runner.resetExportClock(c);
    }
    const spansBeforeRounds = await sink.stats();

    const results = new Map<ConfigurationName, RoundResult[]>(configurations.map((c) => [c.name, []]));
    const paired: PairedRatios = { B: { fps: [], cpu: [], main: [] }, C: { fps: [], cpu: [], main: [] } };
    for (let round = 1; round <= rounds; round += 1) {
      const producers = runner.producerContexts(count);
      const order = rotated(configurations, round);
      const ofRound = new Map<ConfigurationName, RoundResult>();
      for (const c of order) {
        const r = await runner.run(c, round, producers);
        ofRound.set(c.name, r);
        (results.get(c.name) as RoundResult[]).push(r);
        output.line(roundLine(round, c, r, count));
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

    // The last round's spans, untimed: the totals count every round's.
    for (const c of configurations) await c.tracing?.forceFlush();
    const totals = await sink.stats();
    const passed = summarise(output, configurations, {
      rounds, count, defaultSampler, results, paired, spansBeforeRounds, totals,
      spansOf: (stats, c) => runner.spansOf(stats, c),
    });
    return passed ? 0 : 1;
  } finally {
    for (const tracing of tracings) await tracing.shutdown();
    await sink.stop();
  }
}
