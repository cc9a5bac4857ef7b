import type { RgbImage } from '../../domain/image';
import type { Outcome } from '../outcome';

export interface ImageDecoder {
  /** Decodes every buffer; one bad image fails alone, never the batch. */
  decode(images: readonly Uint8Array[]): Promise<Outcome<RgbImage>[]>;
  /**
   * Hands back images this decoder made once nothing reads them any more, so
   * that their memory serves the next frames. Optional: images not handed
   * back are simply garbage-collected.
   */
  recycle?(images: readonly RgbImage[]): void;
}
