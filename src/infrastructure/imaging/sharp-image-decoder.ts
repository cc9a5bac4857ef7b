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
 * Shared memory for decoded pixels: the inference workers that resize, crop
 * and align them read them in place, where a plain buffer would be copied
 * into every message (adr/0001). Buffers handed back are reused for the next
 * frames of the same byte size: a fresh SharedArrayBuffer costs its page
 * faults on first write (5.0 ms for a 1080p frame here, against 0.8 ms to
 * copy into one already used; adr/0009, section 6).
 */
export class SharedPixelPool {
  private readonly free = new Map<number, Uint8Array[]>();
  /** Buffers this pool made, and which of them are free now: a buffer is never pooled twice, nor one it did not make. */
  private readonly issued = new WeakSet<SharedArrayBuffer>();
  private readonly pooled = new WeakSet<SharedArrayBuffer>();
  private pooledBytes = 0;

  /** `maxBytes`: most memory kept for reuse; beyond it handed-back buffers are left to the garbage collector. */
  constructor(private readonly maxBytes: number) {}

  /** A copy of `pixels` in shared memory. */
  copy(pixels: Uint8Array): Uint8Array {
    const reused = this.free.get(pixels.length)?.pop();
    let shared: Uint8Array;
    if (reused) {
      this.pooled.delete(reused.buffer as SharedArrayBuffer);
      this.pooledBytes -= reused.length;
      shared = reused;
    } else {
      const buffer = new SharedArrayBuffer(pixels.length);
      this.issued.add(buffer);
      shared = new Uint8Array(buffer);
    }
    shared.set(pixels);
    return shared;
  }

  giveBack(pixels: Uint8Array): void {
    const buffer = pixels.buffer;
    if (!(buffer instanceof SharedArrayBuffer) || !this.issued.has(buffer) || this.pooled.has(buffer)) return;
    if (this.pooledBytes + buffer.byteLength > this.maxBytes) return;
    this.pooled.add(buffer);
    this.pooledBytes += buffer.byteLength;
    const list = this.free.get(buffer.byteLength) ?? [];
    list.push(new Uint8Array(buffer));
    this.free.set(buffer.byteLength, list);
  }

  get bytesPooled(): number {
    return this.pooledBytes;
  }
}

/** Memory kept for reuse: sixteen 1080p frames (CAPACITY's default in flight) or four 4K ones. */
const POOL_BYTES = 16 * 1920 * 1080 * 3;

/**
 * Decodes JPEG, PNG, WebP (and whatever else libvips reads) into 8-bit sRGB:
 * EXIF orientation applied, alpha dropped, grey and CMYK converted.
 */
export class SharpImageDecoder implements ImageDecoder {
  private readonly pool = new SharedPixelPool(POOL_BYTES);

  constructor(private readonly limits: DecoderLimits) {}

  recycle(images: readonly RgbImage[]): void {
    for (const image of images) this.pool.giveBack(image.data);
  }

  /** Bytes of decoded frames waiting to be reused. */
  get pooledBytes(): number {
    return this.pool.bytesPooled;
  }

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
      return success({ width: info.width, height: info.height, data: this.pool.copy(data) });
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
