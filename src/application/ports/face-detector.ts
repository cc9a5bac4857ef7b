import type { FaceDetection } from '../../domain/detection';
import type { RgbImage } from '../../domain/image';

export interface FaceDetector {
  /** Faces of every image, boxes in that image's pixels, best score first. */
  detect(images: readonly RgbImage[]): Promise<FaceDetection[][]>;
}
