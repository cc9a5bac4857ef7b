import type { RgbImage } from '../../../../src/domain/image';
import { resizeRegion } from '../../../../src/infrastructure/imaging/affine-warp';
import { ReusableFloatBuffer } from '../../../../src/infrastructure/imaging/reusable-float-buffer';
import { tensorFromImages, type TensorLayout } from '../../../../src/infrastructure/imaging/tensor-from-images';
import { packIntoTensor } from '../../../../src/infrastructure/imaging/tensor-packing';

/** A deterministic image with distinct values per pixel and channel. */
function gradient(width: number, height: number, seed = 0): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 1) data[i] = (i * 7 + seed * 31) % 256;
  return { width, height, data };
}

const layout = (width: number, height: number, channelOrder: TensorLayout['channelOrder'] = 'rgb'): TensorLayout => ({
  width,
  height,
  channelOrder,
  mean: 127.5,
  std: 128,
});

/** What the model input must hold for one item: the region resized as resizeRegion does, then packed. */
function expectedSlot(image: RgbImage, region: { x: number; y: number; width: number; height: number }, target: TensorLayout): Float32Array {
  const channels = target.channelOrder === 'gray' ? 1 : 3;
  const slot = new Float32Array(channels * target.width * target.height);
  packIntoTensor(resizeRegion(image, region, target.width, target.height), target, slot, 0);
  return slot;
}

describe('tensorFromImages', () => {
  it('stretches each whole image to the model size and packs it into its own slot (NCHW dims)', async () => {
    const images = [gradient(25, 20, 1), gradient(40, 30, 2)];
    const target = layout(16, 12);
    const { input, dims } = await tensorFromImages(images.map((image) => ({ image })), target);
    expect(dims).toEqual([2, 3, 12, 16]);
    const slotSize = 3 * 12 * 16;
    images.forEach((image, i) => {
      const whole = { x: 0, y: 0, width: image.width, height: image.height };
      expect(input.subarray(i * slotSize, (i + 1) * slotSize)).toEqual(expectedSlot(image, whole, target));
    });
  });

  it('resizes only the requested region when one is given (face crops)', async () => {
    const image = gradient(50, 40);
    const region = { x: 10.5, y: 4.25, width: 20, height: 24 };
    const target = layout(8, 8, 'gray');
    const { input, dims } = await tensorFromImages([{ image, region }], target);
    expect(dims).toEqual([1, 1, 8, 8]);
    expect(input).toEqual(expectedSlot(image, region, target));
  });

  it('packs an image that already has the model size without resampling it (aligned crops)', async () => {
    const crop = gradient(12, 12, 3);
    const target = layout(12, 12, 'bgr');
    const packed = new Float32Array(3 * 12 * 12);
    packIntoTensor(crop, target, packed, 0);
    expect((await tensorFromImages([{ image: crop }], target)).input).toEqual(packed);
    expect((await tensorFromImages([{ image: crop, region: { x: 0, y: 0, width: 12, height: 12 } }], target)).input).toEqual(packed);
  });

  it('mixes items that need resizing with items that do not', async () => {
    const crop = gradient(6, 6, 4);
    const frame = gradient(30, 18, 5);
    const target = layout(6, 6);
    const { input } = await tensorFromImages([{ image: frame }, { image: crop }], target);
    expect(input.subarray(0, 108)).toEqual(expectedSlot(frame, { x: 0, y: 0, width: 30, height: 18 }, target));
    const packed = new Float32Array(108);
    packIntoTensor(crop, target, packed, 0);
    expect(input.subarray(108)).toEqual(packed);
  });

  it('reads pixels held in shared memory', async () => {
    const image = gradient(20, 10);
    const shared = new Uint8Array(new SharedArrayBuffer(image.data.length));
    shared.set(image.data);
    const target = layout(10, 5);
    expect((await tensorFromImages([{ image: { ...image, data: shared } }], target)).input).toEqual((await tensorFromImages([{ image }], target)).input);
  });

  it('letterboxes an item given a size: the scaled region at the top left, the rest of the slot black', async () => {
    const image = gradient(40, 20, 6);
    const target = layout(32, 32);
    const { input, dims } = await tensorFromImages([{ image, size: { width: 20, height: 10 } }], target);
    expect(dims).toEqual([1, 3, 32, 32]);
    const scaled = resizeRegion(image, { x: 0, y: 0, width: 40, height: 20 }, 20, 10);
    const black = (0 - target.mean) / target.std;
    for (let c = 0; c < 3; c += 1) {
      for (let y = 0; y < 32; y += 1) {
        for (let x = 0; x < 32; x += 1) {
          const value = input[c * 32 * 32 + y * 32 + x] as number;
          const expected = x < 20 && y < 10 ? ((scaled.data[(y * 20 + x) * 3 + c] as number) - target.mean) / target.std : black;
          expect(value).toBeCloseTo(expected, 5);
        }
      }
    }
  });

  it('shrinks large items with libvips, averaging instead of sampling two pixels', async () => {
    // A one-pixel checkerboard: any averaging shrink by 2 gives mid-grey, bilinear sampling at pixel corners keeps black or white.
    const width = 512;
    const height = 256;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) data.fill((x + y) % 2 === 0 ? 0 : 255, (y * width + x) * 3, (y * width + x) * 3 + 3);
    const target = { width: 256, height: 128, channelOrder: 'rgb' as const, mean: 0, std: 1 };
    const { input } = await tensorFromImages([{ image: { width, height, data }, size: { width: 256, height: 128 } }], target);
    const interior = [];
    for (let y = 8; y < 120; y += 1) for (let x = 8; x < 248; x += 1) interior.push(input[y * 256 + x] as number);
    expect(Math.min(...interior)).toBeGreaterThan(100);
    expect(Math.max(...interior)).toBeLessThan(155);
  });

  it('writes every element of reused memory: a letterboxed batch packed over a larger earlier one equals one packed into fresh memory', async () => {
    const reusable = new ReusableFloatBuffer();
    const take = (length: number): Float32Array => reusable.take(length);
    await tensorFromImages([{ image: gradient(32, 32, 1) }, { image: gradient(32, 32, 2) }], layout(32, 32), take);
    const sources = [{ image: gradient(40, 20, 6), size: { width: 20, height: 10 } }];
    const reused = await tensorFromImages(sources, layout(32, 32), take);
    expect(reused.input.buffer).toBe((await tensorFromImages(sources, layout(32, 32), take)).input.buffer);
    expect(reused.input).toEqual((await tensorFromImages(sources, layout(32, 32))).input);
  });

  it('refuses an item larger than its slot', async () => {
    await expect(tensorFromImages([{ image: gradient(8, 8), size: { width: 8, height: 8 } }], layout(4, 4))).rejects.toThrow(RangeError);
  });
});
