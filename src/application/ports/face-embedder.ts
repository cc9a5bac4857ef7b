import type { Embedding } from '../../domain/embedding';
import type { RgbImage } from '../../domain/image';

export interface FaceEmbedder {
  /** One L2-normalised embedding per aligned crop, in order. */
  embed(alignedFaces: readonly RgbImage[]): Promise<Embedding[]>;
}
