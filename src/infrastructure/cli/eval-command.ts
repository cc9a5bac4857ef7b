import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalyzeFaces } from '../../application/use-cases/analyze-faces';
import { EvaluateVerification } from '../../application/use-cases/evaluate-verification';
import type { Config } from '../config/config';
import { LfwDataset } from '../datasets/lfw-dataset';
import { positiveInteger, UsageError, type CommandOutput } from './output';

type PipelineRunner = <T>(config: Config, run: (analyze: AnalyzeFaces) => Promise<T>) => Promise<T>;

/** The quality gate opened: every detected face is embedded (the LFW protocol scores every pair). */
export const withQualityGateOpened = (config: Config): Config => ({ ...config, MIN_FACE_SIZE: 0, MIN_SHARPNESS: 0, MAX_YAW_DEGREES: 90 });

/**
 * LFW View 2, 10-fold. The quality gate is opened for evaluation: LFW
 * measures recognition, and every pair must be scored; the gate is an
 * operational policy measured separately.
 */
export async function evalLfwCommand(
  config: Config,
  flags: { data?: string; limit?: string; batch?: string },
  output: CommandOutput,
  withPipeline: PipelineRunner,
): Promise<number> {
  if (!flags.data) throw new UsageError('eval lfw needs --data <LFW directory>');
  if (!existsSync(join(flags.data, 'pairs.txt'))) throw new UsageError(`${flags.data} has no pairs.txt: not an LFW directory`);
  const limit = flags.limit === undefined ? undefined : positiveInteger(flags.limit, 'limit', 600);
  const batchSize = positiveInteger(flags.batch, 'batch', 16);
  const evalConfig = withQualityGateOpened(config);
  const started = Date.now();
  const report = await withPipeline(evalConfig, (analyze) =>
    new EvaluateVerification(analyze, new LfwDataset(flags.data as string)).execute({
      batchSize,
      ...(limit !== undefined ? { limitPairsPerFold: limit } : {}),
      onProgress: (done, total) => output.progress(`embedded ${done}/${total} images`),
    }),
  );
  output.progress('\n');
  report.folds.forEach((fold, i) =>
    output.line(`fold ${i + 1}: accuracy ${(fold.accuracy * 100).toFixed(2)}% at threshold ${fold.threshold.toFixed(3)} (${fold.pairs} pairs)`),
  );
  output.line(`images: ${report.images}, without a detected face: ${report.imagesWithoutFace.length}${report.imagesWithoutFace.length ? ` (${report.imagesWithoutFace.slice(0, 5).join(', ')}${report.imagesWithoutFace.length > 5 ? ', …' : ''})` : ''}`);
  output.line(`flip TTA: ${config.FLIP_TTA ? 'on' : 'off'}, time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  output.line(
    `LFW accuracy: ${(report.meanAccuracy * 100).toFixed(2)}% ± ${(report.stdAccuracy * 100).toFixed(2)} over ${report.pairs} pairs (threshold ${report.overallThreshold.toFixed(3)})`,
  );
  return 0;
}
