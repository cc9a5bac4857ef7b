import type { RgbImage } from '../../../../src/domain/image';
import { channelsOf, packIntoTensor, type PixelNormalisation } from '../../../../src/infrastructure/imaging/tensor-packing';

/** Two pixels: (1, 2, 3) and (4, 5, 6). */
const twoPixels: RgbImage = { width: 2, height: 1, data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
const raw = (channelOrder: PixelNormalisation['channelOrder']): PixelNormalisation => ({ channelOrder, mean: 0, std: 1 });

describe('channelsOf', () => {
  it('is 1 for grey and 3 for colour', () => {
    expect(channelsOf(raw('gray'))).toBe(1);
    expect(channelsOf(raw('rgb'))).toBe(3);
    expect(channelsOf(raw('bgr'))).toBe(3);
  });
});

describe('packIntoTensor', () => {
  it('writes RGB as planes R, G, B (NCHW)', () => {
    const tensor = new Float32Array(6);
    packIntoTensor(twoPixels, raw('rgb'), tensor, 0);
    expect(Array.from(tensor)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('writes BGR as planes B, G, R', () => {
    const tensor = new Float32Array(6);
    packIntoTensor(twoPixels, raw('bgr'), tensor, 0);
    expect(Array.from(tensor)).toEqual([3, 6, 2, 5, 1, 4]);
  });

  it.each(['rgb', 'gray'] as const)('letterboxes into slot 1 of memory holding other values: the image at the top left, every other element of the slot the padding value (%s)', (order) => {
    const normalisation = { channelOrder: order, mean: 10, std: 2 };
    const channels = channelsOf(normalisation);
    const slot = { width: 4, height: 3 };
    const tensor = new Float32Array(2 * channels * 12).fill(99);
    packIntoTensor(twoPixels, normalisation, tensor, 1, slot);
    expect(Array.from(tensor.subarray(0, channels * 12))).toEqual(new Array(channels * 12).fill(99));
    const expected = new Float32Array(channels * 12).fill(-5);
    const own = new Float32Array(channels * 2);
    packIntoTensor(twoPixels, normalisation, own, 0);
    for (let c = 0; c < channels; c += 1) expected.set(own.subarray(c * 2, c * 2 + 2), c * 12);
    expect(Array.from(tensor.subarray(channels * 12))).toEqual(Array.from(expected));
  });

  it('writes grey as one BT.601 luma plane', () => {
    const tensor = new Float32Array(2);
    packIntoTensor(twoPixels, raw('gray'), tensor, 0);
    expect(tensor[0]).toBeCloseTo(0.299 * 1 + 0.587 * 2 + 0.114 * 3, 5);
    expect(tensor[1]).toBeCloseTo(0.299 * 4 + 0.587 * 5 + 0.114 * 6, 5);
  });

  it('normalises every value as (v - mean) / std', () => {
    const image: RgbImage = { width: 1, height: 1, data: new Uint8Array([0, 128, 255]) };
    const tensor = new Float32Array(3);
    packIntoTensor(image, { channelOrder: 'rgb', mean: 127.5, std: 128 }, tensor, 0);
    expect(tensor[0]).toBeCloseTo(-127.5 / 128, 6);
    expect(tensor[1]).toBeCloseTo(0.5 / 128, 6);
    expect(tensor[2]).toBeCloseTo(127.5 / 128, 6);
    const grey = new Float32Array(1);
    packIntoTensor(image, { channelOrder: 'gray', mean: 10, std: 256 }, grey, 0);
    expect(grey[0]).toBeCloseTo((0.587 * 128 + 0.114 * 255 - 10) / 256, 6);
  });

  it('writes image `index` into its own slot and leaves the others alone', () => {
    const tensor = new Float32Array(3 * 6).fill(-9);
    packIntoTensor(twoPixels, raw('rgb'), tensor, 1);
    expect(Array.from(tensor.subarray(0, 6))).toEqual([-9, -9, -9, -9, -9, -9]);
    expect(Array.from(tensor.subarray(6, 12))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(tensor.subarray(12))).toEqual([-9, -9, -9, -9, -9, -9]);

    const grey = new Float32Array(3 * 2).fill(-9);
    packIntoTensor(twoPixels, raw('gray'), grey, 2);
    expect(Array.from(grey.subarray(0, 4))).toEqual([-9, -9, -9, -9]);
    expect(grey[4]).toBeCloseTo(1.815, 5);
  });

  it('lays out a 2×2 image row-major inside each plane', () => {
    const image: RgbImage = { width: 2, height: 2, data: new Uint8Array([10, 0, 0, 20, 0, 0, 30, 0, 0, 40, 0, 0]) };
    const tensor = new Float32Array(12);
    packIntoTensor(image, raw('rgb'), tensor, 0);
    expect(Array.from(tensor.subarray(0, 4))).toEqual([10, 20, 30, 40]);
    expect(Array.from(tensor.subarray(4))).toEqual(new Array(8).fill(0));
  });
});
