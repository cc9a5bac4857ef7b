import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { AnalyzeFaces } from '../../application/use-cases/analyze-faces';
import { listImages } from '../files/list-images';
import type { OnnxModel } from '../onnx/onnx-session';
import { percentile, sum, type StageTimings } from '../telemetry/stage-timings';
import { positiveInteger, UsageError, type CommandOutput } from './output';

/**
 * Throughput and per-stage latency of the pipeline, plus the time spent
 * inside session.run alone, so the pipeline's own overhead shows as a ratio
 * of model time measured in the same run. Batches run one after another, and
 * the pipeline time is the wall time of every whole batch: work outside the
 * named stages (the quality gate, bookkeeping) counts as overhead too.
 */
export async function benchCommand(
  analyze: AnalyzeFaces,
  timings: StageTimings,
  models: readonly OnnxModel[],
  flags: { images?: string; count?: string; batch?: string },
  output: CommandOutput,
): Promise<number> {
  if (!flags.images) throw new UsageError('bench needs --images <dir>');
  const count = positiveInteger(flags.count, 'count', 500);
  const batchSize = positiveInteger(flags.batch, 'batch', 8);
  const paths = (await listImages(flags.images)).slice(0, count);
  if (paths.length === 0) throw new UsageError(`no images under ${flags.images}`);
  const files = await Promise.all(paths.map((p) => readFile(p)));

  // Warm-up: first runs allocate ONNX Runtime's arenas.
  await analyze.execute(files.slice(0, batchSize));
  timings.reset();

  let faces = 0;
  let pipelineSeconds = 0;
  const started = performance.now();
  for (let start = 0; start < files.length; start += batchSize) {
    const batchStarted = performance.now();
    const outcomes = await analyze.execute(files.slice(start, start + batchSize));
    pipelineSeconds += (performance.now() - batchStarted) / 1000;
    faces += outcomes.reduce((n, o) => n + (o.ok ? o.value.faces.length : 0), 0);
  }
  const wallSeconds = (performance.now() - started) / 1000;

  for (const model of models) {
    const probes = model.levelTimings.map((t) => `${t.level} ${(t.seconds * 1000).toFixed(2)}`).join(', ');
    output.line(
      `model ${model.name.padEnd(10)} ${model.provider}, graph optimisation ${model.graphOptimization}` +
        `${probes ? ` (probe ms/run: ${probes})` : ''}, load ${model.loadSeconds.toFixed(3)} s`,
    );
  }
  output.line(`images: ${files.length}, batch: ${batchSize}, faces: ${faces}, wall: ${wallSeconds.toFixed(2)} s`);
  output.line('stage        p50 ms   p95 ms   total s   (per batch call)');
  for (const [stage, values] of timings.stages) {
    output.line(
      `${stage.padEnd(12)} ${(percentile(values, 50) * 1000).toFixed(2).padStart(7)}  ${(percentile(values, 95) * 1000).toFixed(2).padStart(7)}  ${sum(values).toFixed(3).padStart(8)}`,
    );
  }
  let modelSeconds = 0;
  for (const [model, values] of timings.modelRuns) {
    modelSeconds += sum(values);
    output.line(`session.run ${model.padEnd(10)} runs ${values.length}, total ${sum(values).toFixed(3)} s, p50 ${(percentile(values, 50) * 1000).toFixed(2)} ms`);
  }
  const stagedSeconds = sum([...timings.stages.values()].flat());
  output.line(`outside the stages ${(pipelineSeconds - stagedSeconds).toFixed(3)} s (quality gate, bookkeeping)`);
  const overhead = ((pipelineSeconds - modelSeconds) / modelSeconds) * 100;
  output.line(`images/s: ${(files.length / wallSeconds).toFixed(1)}, pipeline ${pipelineSeconds.toFixed(3)} s, model ${modelSeconds.toFixed(3)} s`);
  output.line(`throughput: ${(faces / wallSeconds).toFixed(1)} faces/s, overhead: ${overhead.toFixed(1)}% of model time`);
  return 0;
}
