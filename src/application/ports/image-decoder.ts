import type { RgbImage } from '../../domain/image';
import type { Outcome } from '../outcome';

export interface ImageDecoder {
  /** Decodes every buffer; one bad image fails alone, never the batch. */
  decode(images: readonly Uint8Array[]): Promise<Outcome<RgbImage>[]>;
}
