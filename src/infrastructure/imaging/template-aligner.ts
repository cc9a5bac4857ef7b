import { ARCFACE_CROP_SIZE, arcFaceAlignment, invertAffine } from '../../domain/alignment';
import type { RgbImage } from '../../domain/image';
import type { FaceAligner, FaceToAlign } from '../../application/ports/face-aligner';
import { warpAffine } from './affine-warp';

/** Aligns faces onto the 112×112 ArcFace template with a similarity transform. */
export class ArcFaceTemplateAligner implements FaceAligner {
  align(faces: readonly FaceToAlign[]): RgbImage[] {
    return faces.map(({ image, landmarks }) =>
      warpAffine(image, invertAffine(arcFaceAlignment(landmarks)), ARCFACE_CROP_SIZE, ARCFACE_CROP_SIZE),
    );
  }
}
