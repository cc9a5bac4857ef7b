import { cosineSimilarity } from '../../domain/embedding';
import { crossValidate, type CrossValidationResult, type ScoredPair } from '../../domain/verification-protocol';
import type { ImagePair, VerificationDataset } from '../ports/verification-dataset';
import type { AnalyzeFaces } from './analyze-faces';
import { analyzeInBatches } from './analyze-in-batches';
import { photoSubject, subjectEmbedding } from './photo-subject';

export interface EvaluationReport extends CrossValidationResult {
  /** Images without a usable face (photoSubject); their pairs count as "different" (similarity -1). */
  readonly imagesWithoutFace: readonly string[];
  readonly images: number;
}

export interface EvaluationOptions {
  /** Use only the first `limitPairsPerFold` pairs of each fold (quick runs). */
  readonly limitPairsPerFold?: number;
  readonly batchSize: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Runs a verification benchmark end to end through the production pipeline:
 * every image is analysed, its subject is found (photoSubject), and pairs
 * are scored by cosine similarity, then cross-validated fold by fold.
 */
export class EvaluateVerification {
  constructor(
    private readonly analyze: AnalyzeFaces,
    private readonly dataset: VerificationDataset,
  ) {}

  async execute(options: EvaluationOptions): Promise<EvaluationReport> {
    const allFolds = await this.dataset.folds();
    const folds = allFolds.map((fold) => (options.limitPairsPerFold ? fold.slice(0, options.limitPairsPerFold) : fold));
    const imageIds = [...new Set(folds.flat().flatMap((p) => [p.first, p.second]))];
    const embeddings = await analyzeInBatches(
      this.analyze,
      imageIds,
      (id) => this.dataset.read(id),
      (outcome) => subjectEmbedding(photoSubject(outcome)),
      options,
    );
    const score = (pair: ImagePair): ScoredPair => {
      const a = embeddings.get(pair.first);
      const b = embeddings.get(pair.second);
      return { similarity: a && b ? cosineSimilarity(a, b) : -1, same: pair.same };
    };
    const result = crossValidate(folds.map((fold) => fold.map(score)));
    return {
      ...result,
      imagesWithoutFace: imageIds.filter((id) => embeddings.get(id) === null),
      images: imageIds.length,
    };
  }
}
