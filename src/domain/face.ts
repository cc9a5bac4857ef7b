import type { Embedding } from './embedding';
import type { BoundingBox } from './geometry';
import type { IdentityMatch } from './identity';
import type { FivePointLandmarks } from './landmarks';
import type { QualityAssessment } from './quality';

/** Everything the pipeline knows about one face in one image. */
export interface AnalyzedFace {
  readonly box: BoundingBox;
  readonly score: number;
  readonly landmarks: FivePointLandmarks;
  readonly quality: QualityAssessment;
  /** Present only when the quality gate passed. */
  readonly embedding?: Embedding;
  readonly identity?: IdentityMatch;
}
