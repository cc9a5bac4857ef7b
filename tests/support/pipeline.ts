import 'reflect-metadata';
import type { Outcome } from '../../src/application/outcome';
import { TOKENS } from '../../src/application/tokens';
import type { AnalyzeFaces, ImageAnalysis } from '../../src/application/use-cases/analyze-faces';
import { loadConfig, type Config } from '../../src/infrastructure/config/config';
import { createContainer, releaseContainer } from '../../src/composition/pipeline';

/** The production pipeline, wired by the composition root with the real models. */
export interface Pipeline {
  readonly config: Config;
  readonly analyze: AnalyzeFaces;
  release(): Promise<void>;
}

/** The quality gate opened as `facerec eval lfw` opens it: every face gets an embedding. */
export const OPEN_QUALITY_GATE = { MIN_FACE_SIZE: 0, MIN_SHARPNESS: 0, MAX_YAW_DEGREES: 90 } as const;

/** Default configuration (as from an empty environment) with `overrides`; quiet logs. */
export async function startPipeline(overrides: Partial<Config> = {}): Promise<Pipeline> {
  const config: Config = { ...loadConfig({ LOG_LEVEL: 'warn' }), ...overrides };
  const container = await createContainer(config);
  return {
    config,
    analyze: container.get<AnalyzeFaces>(TOKENS.AnalyzeFaces),
    release: () => releaseContainer(container),
  };
}

/** The analysis of a successful outcome; fails the test with the error otherwise. */
export function analysisOf(outcome: Outcome<ImageAnalysis> | undefined): ImageAnalysis {
  if (outcome === undefined) throw new Error('no outcome');
  if (!outcome.ok) throw new Error(`expected a successful analysis, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.value;
}
