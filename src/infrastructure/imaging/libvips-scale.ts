import sharp from 'sharp';
import type { RgbImage } from '../../domain/image';
import type { PixelRegion } from './affine-warp';

/**
 * Scales a whole-pixel region of decoded RGB pixels with libvips (a linear
 * kernel whose support widens with the shrink factor, so downscaling
 * averages instead of aliasing). The pixels are read in place, shared memory
 * included; the result is a new buffer.
 */
export async function scaleWithLibvips(image: RgbImage, region: PixelRegion, width: number, height: number): Promise<RgbImage> {
  const pixels = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  let pipeline = sharp(pixels, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (region.x !== 0 || region.y !== 0 || region.width !== image.width || region.height !== image.height) {
    pipeline = pipeline.extract({ left: region.x, top: region.y, width: region.width, height: region.height });
  }
  const data = await pipeline.resize(width, height, { kernel: 'linear', fit: 'fill' }).raw().toBuffer();
  return { width, height, data };
}
