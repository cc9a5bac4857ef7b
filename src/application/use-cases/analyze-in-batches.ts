import type { Outcome } from '../outcome';
import type { AnalyzeFaces, ImageAnalysis } from './analyze-faces';

export interface BatchRun {
  readonly batchSize: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Analyses every image once, `batchSize` at a time (each model stage runs once
 * per batch), and keeps only what `keep` takes from each analysis, so that
 * thousands of images do not hold their faces in memory.
 */
export async function analyzeInBatches<T>(
  analyze: AnalyzeFaces,
  imageIds: readonly string[],
  read: (imageId: string) => Promise<Uint8Array>,
  keep: (outcome: Outcome<ImageAnalysis>) => T,
  run: BatchRun,
): Promise<Map<string, T>> {
  const kept = new Map<string, T>();
  for (let start = 0; start < imageIds.length; start += run.batchSize) {
    const ids = imageIds.slice(start, start + run.batchSize);
    const analyses = await analyze.execute(await Promise.all(ids.map(read)));
    analyses.forEach((outcome, i) => kept.set(ids[i] as string, keep(outcome)));
    run.onProgress?.(start + ids.length, imageIds.length);
  }
  return kept;
}
