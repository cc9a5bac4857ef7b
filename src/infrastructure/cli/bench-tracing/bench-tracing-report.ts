import { cpus } from 'node:os';
import { percentile } from '../../telemetry/stage-timings';
import type { CommandOutput } from '../output';
import { describeRatio, describeSpread, ratioOfTotals, signedMs, signedPercent, spreadOf } from '../paired-rounds';
import type { SinkStats } from './otlp-sink-process';
import type { Configuration, ConfigurationName } from './traced-configurations';
import { mainThreadCpuMs, type RoundResult } from './tracing-rounds';

/** What `facerec bench-tracing` prints: the set-up, one line per round, and the verdict. */

export interface RunSetup {
  readonly rounds: number;
  readonly count: number;
  readonly batchSize: number;
  readonly warmUp: number;
  readonly imageCount: number;
  readonly imagesDir: string;
  readonly executionProvider: string;
  readonly modelSet: string;
  readonly defaultSampler: string;
  readonly defaultRatio: number;
  readonly exportIntervalMs: number;
  readonly sink: { readonly pid: number | undefined; readonly endpoint: string };
}

const fixed = (value: number | null, digits: number): string => (value === null ? 'n/a' : value.toFixed(digits));

export function describeSetup(output: CommandOutput, setup: RunSetup, configurations: readonly Configuration[]): void {
  const { rounds, count, batchSize, warmUp, defaultSampler, defaultRatio, exportIntervalMs, sink } = setup;
  const totalFrames = count * rounds * configurations.length;
  output.line(
    `bench-tracing: ${rounds} round(s) of ${count} frames per configuration (${totalFrames} frames in all), batch ${batchSize}, warm-up ${warmUp} frames per configuration; ` +
      `${setup.imageCount} image file(s) from ${setup.imagesDir} taken in turn, inline in the delivery`,
  );
  output.line(
    `machine: ${cpus().length} CPU(s), node ${process.version}, execution provider ${setup.executionProvider}, model set ${setup.modelSet}; ` +
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
}

export function roundLine(round: number, c: Configuration, r: RoundResult, count: number): string {
  const t = r.tally;
  return (
    `round ${round} ${c.name}: ${r.framesPerSecond.toFixed(1)} frames/s (${count} frames in ${r.seconds.toFixed(4)} s, export wait ${r.exportWaitSeconds.toFixed(4)} s), ` +
    `cpu ${r.cpuMsPerFrame.toFixed(2)} ms/frame (sink ${r.sinkCpuMsPerFrame.toFixed(3)}, main thread ${fixed(r.mainThreadMsPerFrame, 3)}), ` +
    `published ${t.published}, other ${t.otherOutcomes}, faces ${t.faces}, spans exported ${r.spans}, ` +
    `sampled parents ${r.sampledParents}, results: producer span passed through ${t.passedThrough}, new span ${t.continued}, sampled ${t.sampled}`
  );
}

/** Per round, B and C against A of the same round. */
export type PairedRatios = Record<'B' | 'C', { fps: number[]; cpu: number[]; main: number[] }>;

export interface RunResults {
  readonly rounds: number;
  readonly count: number;
  readonly defaultSampler: string;
  readonly results: ReadonlyMap<ConfigurationName, RoundResult[]>;
  readonly paired: PairedRatios;
  /** The sink's counts before the first round and after the last. */
  readonly spansBeforeRounds: SinkStats;
  readonly totals: SinkStats;
  readonly spansOf: (stats: SinkStats, c: Configuration) => number;
}

/** The per-configuration figures, the checks that each traces as intended, and the overhead line; false when a check failed. */
export function summarise(output: CommandOutput, configurations: readonly Configuration[], run: RunResults): boolean {
  const { rounds, count, defaultSampler, results, paired, spansBeforeRounds, totals, spansOf } = run;
  const secondsOf = (name: ConfigurationName): number[] => (results.get(name) as RoundResult[]).map((r) => r.seconds);
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
  return !failed;
}
