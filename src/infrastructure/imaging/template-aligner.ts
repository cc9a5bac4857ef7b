import { ARCFACE_CROP_SIZE, arcFaceAlignment, invertAffine, type AffineMatrix } from '../../domain/alignment';
import type { RgbImage } from '../../domain/image';
import type { FaceAligner, FaceToAlign } from '../../application/ports/face-aligner';

/** Cuts crops whose output pixels map into the source through an affine matrix (bilinear, black border). */
export interface AffineWarper {
  warp(items: ReadonlyArray<{ readonly image: RgbImage; readonly toSource: AffineMatrix }>, width: number, height: number): Promise<RgbImage[]>;
}

/**
 * Aligns faces onto the 112×112 ArcFace template with a similarity
 * transform. The warps run on the inference worker pool, side by side, so
 * a batch of faces does not queue on the event loop.
 */
export class ArcFaceTemplateAligner implements FaceAligner {
  constructor(private readonly warper: AffineWarper) {}

  align(faces: readonly FaceToAlign[]): Promise<RgbImage[]> {
    if (faces.length === 0) return Promise.resolve([]);
    return this.warper.warp(
      faces.map(({ image, landmarks }) => ({ image, toSource: invertAffine(arcFaceAlignment(landmarks)) })),
      ARCFACE_CROP_SIZE,
      ARCFACE_CROP_SIZE,
    );
  }
}
