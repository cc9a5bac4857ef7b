import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AnalyzeFaces } from '../../application/use-cases/analyze-faces';
import { EvaluateIdentification } from '../../application/use-cases/evaluate-identification';
import type { Config } from '../config/config';
import { KNOWN_PEOPLE_FILE, LfwDataset } from '../datasets/lfw-dataset';
import { renderDetChartSvg } from '../reporting/det-chart-svg';
import { withQualityGateOpened } from './eval-command';
import { identificationDetChart } from './identification-det-chart';
import { reportJson, reportLines, type RunContext } from './identification-report';
import { positiveInteger, UsageError, type CommandOutput } from './output';

type PipelineRunner = <T>(config: Config, run: (analyze: AnalyzeFaces, modelSet: { readonly version: string }) => Promise<T>) => Promise<T>;

/** NIST FRVT 1:N reports FNIR at these FPIRs. */
const FPIR_TARGETS = [0.01, 0.001];
const FAR_TARGET = 0.001;
export const DEFAULT_DET_SVG = 'identification-det.svg';

/**
 * `facerec eval identify`: closed-set rank-1/rank-5, open-set FNIR at FPIR 1 %
 * and 0.1 %, TAR at FAR 0.1 % on the pairs, FAR/FRR and FPIR/FNIR at
 * MATCH_THRESHOLD, and the DET curves as an SVG. Images are analysed once
 * with the quality gate opened; the service's gate (from the configuration)
 * is applied to those analyses for the "service gate" figures.
 */
export async function evalIdentifyCommand(
  config: Config,
  flags: { data?: string; enrol?: string; svg?: string; batch?: string },
  output: CommandOutput,
  withPipeline: PipelineRunner,
): Promise<number> {
  if (!flags.data) throw new UsageError('eval identify needs --data <LFW directory>');
  const data = flags.data;
  for (const file of ['pairs.txt', KNOWN_PEOPLE_FILE]) {
    if (!existsSync(join(data, file))) throw new UsageError(`${data} has no ${file}: not an LFW directory`);
  }
  const enrolPhotos = positiveInteger(flags.enrol, 'enrol', 5);
  const batchSize = positiveInteger(flags.batch, 'batch', 16);
  const svgPath = flags.svg ?? DEFAULT_DET_SVG;
  const startedAt = new Date();
  const { report, modelSet } = await withPipeline(withQualityGateOpened(config), async (analyze, models) => ({
    modelSet: models.version,
    report: await new EvaluateIdentification(analyze, new LfwDataset(data)).execute({
      enrolPhotos,
      batchSize,
      serviceQuality: { minFaceSize: config.MIN_FACE_SIZE, minSharpness: config.MIN_SHARPNESS, maxYawDegrees: config.MAX_YAW_DEGREES },
      matchThreshold: config.MATCH_THRESHOLD,
      identifyThreshold: config.IDENTIFY_THRESHOLD,
      fpirTargets: FPIR_TARGETS,
      farTarget: FAR_TARGET,
      onProgress: (done, total) => output.progress(`embedded ${done}/${total} images`),
    }),
  }));
  output.progress('\n');
  const context: RunContext = {
    data,
    enrolPhotos,
    matchThreshold: config.MATCH_THRESHOLD,
    identifyThreshold: config.IDENTIFY_THRESHOLD,
    serviceGate: { minFaceSize: config.MIN_FACE_SIZE, minSharpness: config.MIN_SHARPNESS, maxYawDegrees: config.MAX_YAW_DEGREES },
    flipTta: config.FLIP_TTA,
    modelSet,
    startedAt,
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    svgPath,
  };
  await mkdir(dirname(svgPath), { recursive: true });
  await writeFile(svgPath, renderDetChartSvg(identificationDetChart(report, context)));
  for (const line of reportLines(report, context)) output.line(line);
  output.line(reportJson(report, context));
  return 0;
}
