import sharp from 'sharp';
import { ImageDecodeError, ImageTooLargeError, InvalidImageError, type FaceRecognitionError } from '../../domain/errors';
import type { RgbImage } from '../../domain/image';
import type { ImageDecoder } from '../../application/ports/image-decoder';
import { failure, success, type Outcome } from '../../application/outcome';

export interface DecoderLimits {
  /** Largest width × height accepted; checked from the header before pixels are decoded. */
  readonly maxPixels: number;
  /** Smallest side accepted: below it no detector can find a face. */
  readonly minSide: number;
}

/**
 * A copy of the pixels in shared memory: the inference workers that resize,
 * crop and align them read them in place, where a plain buffer would be
 * copied into every message (adr/0001).
 */
function inSharedMemory(pixels: Uint8Array): Uint8Array {
  const shared = new Uint8Array(new SharedArrayBuffer(pixels.length));
  shared.set(pixels);
  return shared;
}

/**
 * Decodes JPEG, PNG, WebP (and whatever else libvips reads) into 8-bit sRGB:
 * EXIF orientation applied, alpha dropped, grey and CMYK converted.
 */
export class SharpImageDecoder implements ImageDecoder {
  constructor(private readonly limits: DecoderLimits) {}

  decode(images: readonly Uint8Array[]): Promise<Outcome<RgbImage>[]> {
    return Promise.all(images.map((bytes) => this.decodeOne(bytes)));
  }

  private async decodeOne(bytes: Uint8Array): Promise<Outcome<RgbImage>> {
    if (bytes.length === 0) return failure(new ImageDecodeError('image is empty (0 bytes)', { bytes: 0 }));
    try {
      const input = sharp(bytes, { limitInputPixels: this.limits.maxPixels, failOn: 'error', sequentialRead: true });
      const { data, info } = await input
        .autoOrient()
        .removeAlpha()
        .toColourspace('srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 3) {
        return failure(new ImageDecodeError(`decoded image has ${info.channels} channels, expected 3`, { channels: info.channels }));
      }
      if (Math.min(info.width, info.height) < this.limits.minSide) {
        return failure(
          new InvalidImageError(`image is ${info.width}×${info.height}; the smaller side must be at least ${this.limits.minSide} px`, {
            width: info.width,
            height: info.height,
          }),
        );
      }
      return success({ width: info.width, height: info.height, data: inSharedMemory(data) });
    } catch (error) {
      return failure(this.classify(error, bytes.length));
    }
  }

  private classify(error: unknown, byteCount: number): FaceRecognitionError {
    const message = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(message)) {
      return new ImageTooLargeError(`image exceeds the limit of ${this.limits.maxPixels} pixels`, {
        bytes: byteCount,
        maxPixels: this.limits.maxPixels,
      });
    }
    const reason = message.split('\n')[0]?.trim() || 'unknown decoder error';
    return new ImageDecodeError(`cannot decode image: ${reason}`, { bytes: byteCount }, { cause: error });
  }
}
