import type { BoundingBox } from '../../domain/geometry';
import type { RgbImage } from '../../domain/image';
import type { FivePointLandmarks } from '../../domain/landmarks';

export interface FaceRegion {
  readonly image: RgbImage;
  readonly box: BoundingBox;
}

export interface LandmarkLocator {
  /** Five alignment landmarks per face region, in source-image pixels. */
  locate(faces: readonly FaceRegion[]): Promise<FivePointLandmarks[]>;
}
