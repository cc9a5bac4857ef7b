import { join } from 'node:path';
import sharp from 'sharp';
import { PACKAGE_ROOT } from '../../config/config';
import { SAMPLE_PHOTOS } from '../../datasets/sample-photos';
import type { FrameImage } from './frame-feed';

export interface HdFrame extends FrameImage {
  readonly source: string;
  /** Faces in the source photo (SAMPLE_PHOTOS); letterboxing keeps every one. */
  readonly faces: number;
}

const HD = { width: 1920, height: 1080 } as const;

/**
 * Camera-like 1080p frames with several faces: the six group photos of
 * samples/ (1920 px wide, 3–5 faces each, provisioned by `npm ci`) fitted
 * into 1920×1080 with black bars at the sides, JPEG quality 90. Nothing is
 * cropped, so each frame holds every face of its photo.
 */
export async function hdSampleFrames(samplesDir = join(PACKAGE_ROOT, 'samples')): Promise<HdFrame[]> {
  return Promise.all(
    SAMPLE_PHOTOS.map(async (photo) => {
      const bytes = await sharp(join(samplesDir, photo.file))
        .resize(HD.width, HD.height, { fit: 'contain', background: { r: 0, g: 0, b: 0 } })
        .jpeg({ quality: 90 })
        .toBuffer();
      return { bytes, ...HD, source: photo.file, faces: photo.faces.length };
    }),
  );
}
