import type { RgbImage } from '../../domain/image';
import type { FivePointLandmarks } from '../../domain/landmarks';

export interface FaceToAlign {
  readonly image: RgbImage;
  readonly landmarks: FivePointLandmarks;
}

export interface FaceAligner {
  /** Crops every face onto the embedder's canonical template. */
  align(faces: readonly FaceToAlign[]): Promise<RgbImage[]>;
}
