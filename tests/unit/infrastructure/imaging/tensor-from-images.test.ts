import type { RgbImage } from '../../../../src/domain/image';
import { resizeRegion } from '../../../../src/infrastructure/imaging/affine-warp';
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
  it('stretches each whole image to the model size and packs it into its own slot (NCHW dims)', () => {
    const images = [gradient(25, 20, 1), gradient(40, 30, 2)];
    const target = layout(16, 12);
    const { input, dims } = tensorFromImages(images.map((image) => ({ image })), target);
    expect(dims).toEqual([2, 3, 12, 16]);
    const slotSize = 3 * 12 * 16;
    images.forEach((image, i) => {
      const whole = { x: 0, y: 0, width: image.width, height: image.height };
      expect(input.subarray(i * slotSize, (i + 1) * slotSize)).toEqual(expectedSlot(image, whole, target));
    });
  });

  it('resizes only the requested region when one is given (face crops)', () => {
    const image = gradient(50, 40);
    const region = { x: 10.5, y: 4.25, width: 20, height: 24 };
    const target = layout(8, 8, 'gray');
    const { input, dims } = tensorFromImages([{ image, region }], target);
    expect(dims).toEqual([1, 1, 8, 8]);
    expect(input).toEqual(expectedSlot(image, region, target));
  });

  it('packs an image that already has the model size without resampling it (aligned crops)', () => {
    const crop = gradient(12, 12, 3);
    const target = layout(12, 12, 'bgr');
    const packed = new Float32Array(3 * 12 * 12);
    packIntoTensor(crop, target, packed, 0);
    expect(tensorFromImages([{ image: crop }], target).input).toEqual(packed);
    expect(tensorFromImages([{ image: crop, region: { x: 0, y: 0, width: 12, height: 12 } }], target).input).toEqual(packed);
  });

  it('mixes items that need resizing with items that do not', () => {
    const crop = gradient(6, 6, 4);
    const frame = gradient(30, 18, 5);
    const target = layout(6, 6);
    const { input } = tensorFromImages([{ image: frame }, { image: crop }], target);
    expect(input.subarray(0, 108)).toEqual(expectedSlot(frame, { x: 0, y: 0, width: 30, height: 18 }, target));
    const packed = new Float32Array(108);
    packIntoTensor(crop, target, packed, 0);
    expect(input.subarray(108)).toEqual(packed);
  });

  it('reads pixels held in shared memory', () => {
    const image = gradient(20, 10);
    const shared = new Uint8Array(new SharedArrayBuffer(image.data.length));
    shared.set(image.data);
    const target = layout(10, 5);
    expect(tensorFromImages([{ image: { ...image, data: shared } }], target).input).toEqual(tensorFromImages([{ image }], target).input);
  });
});
