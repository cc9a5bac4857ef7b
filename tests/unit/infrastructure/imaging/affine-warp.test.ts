import type { AffineMatrix } from '../../../../src/domain/alignment';
import type { RgbImage } from '../../../../src/domain/image';
import { warpAffine } from '../../../../src/infrastructure/imaging/affine-warp';

/** A width×height image with distinct, deterministic values in every channel. */
const pattern = (width: number, height: number): RgbImage => {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 1) data[i] = (i * 37 + 11) % 251;
  return { width, height, data };
};

const pixel = (image: RgbImage, x: number, y: number): number[] =>
  Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));

const IDENTITY: AffineMatrix = [1, 0, 0, 0, 1, 0];

describe('warpAffine', () => {
  it('with the identity matrix copies the image exactly', () => {
    const source = pattern(7, 5);
    const warped = warpAffine(source, IDENTITY, 7, 5);
    expect(warped.width).toBe(7);
    expect(warped.height).toBe(5);
    expect(Array.from(warped.data)).toEqual(Array.from(source.data));
  });

  it('with an integer translation shifts pixels and fills what comes from outside with black', () => {
    const source = pattern(6, 4);
    // Output (x, y) reads source (x + 2, y + 1).
    const warped = warpAffine(source, [1, 0, 2, 0, 1, 1], 6, 4);
    for (let y = 0; y < 4; y += 1) {
      for (let x = 0; x < 6; x += 1) {
        const inside = x + 2 < 6 && y + 1 < 4;
        expect(pixel(warped, x, y)).toEqual(inside ? pixel(source, x + 2, y + 1) : [0, 0, 0]);
      }
    }
  });

  it('with a negative translation shifts the other way', () => {
    const source = pattern(5, 5);
    // Output (x, y) reads source (x - 1, y - 3).
    const warped = warpAffine(source, [1, 0, -1, 0, 1, -3], 5, 5);
    for (let y = 0; y < 5; y += 1) {
      for (let x = 0; x < 5; x += 1) {
        const inside = x >= 1 && y >= 3;
        expect(pixel(warped, x, y)).toEqual(inside ? pixel(source, x - 1, y - 3) : [0, 0, 0]);
      }
    }
  });

  it('reads black for samples far outside the source, on every side', () => {
    const source: RgbImage = { width: 4, height: 4, data: new Uint8Array(48).fill(200) };
    for (const m of [
      [1, 0, 100, 0, 1, 0],
      [1, 0, -100, 0, 1, 0],
      [1, 0, 0, 0, 1, 100],
      [1, 0, 0, 0, 1, -100],
    ] as AffineMatrix[]) {
      expect(Array.from(warpAffine(source, m, 3, 3).data).every((v) => v === 0)).toBe(true);
    }
  });

  it('interpolates bilinearly: the midpoint of two pixels is their mean', () => {
    const source: RgbImage = { width: 2, height: 1, data: new Uint8Array([0, 100, 200, 100, 50, 0]) };
    const warped = warpAffine(source, [1, 0, 0.5, 0, 1, 0], 1, 1);
    expect(Array.from(warped.data)).toEqual([50, 75, 100]);
  });

  it('interpolates bilinearly: the centre of four pixels is their mean, a quarter step weighs 3:1', () => {
    const source: RgbImage = { width: 2, height: 2, data: new Uint8Array([0, 0, 0, 40, 40, 40, 80, 80, 80, 120, 120, 120]) };
    expect(Array.from(warpAffine(source, [1, 0, 0.5, 0, 1, 0.5], 1, 1).data)).toEqual([60, 60, 60]);
    expect(Array.from(warpAffine(source, [1, 0, 0.25, 0, 1, 0], 1, 1).data)).toEqual([10, 10, 10]);
  });

  it('blends with black half a pixel beyond the edge (constant border)', () => {
    const source: RgbImage = { width: 1, height: 1, data: new Uint8Array([200, 100, 50]) };
    expect(Array.from(warpAffine(source, [1, 0, -0.5, 0, 1, 0], 1, 1).data)).toEqual([100, 50, 25]);
    expect(Array.from(warpAffine(source, [1, 0, 0.5, 0, 1, 0], 1, 1).data)).toEqual([100, 50, 25]);
    expect(Array.from(warpAffine(source, [1, 0, 0, 0, 1, -0.5], 1, 1).data)).toEqual([100, 50, 25]);
  });

  it('downscales by 2 when the matrix steps two source pixels per output pixel', () => {
    const source = pattern(8, 6);
    const warped = warpAffine(source, [2, 0, 0, 0, 2, 0], 4, 3);
    for (let y = 0; y < 3; y += 1) for (let x = 0; x < 4; x += 1) expect(pixel(warped, x, y)).toEqual(pixel(source, 2 * x, 2 * y));
  });

  it('follows rotations: a 90° turn maps rows onto columns', () => {
    const source = pattern(4, 3);
    // Output (x, y) of a 3×4 image reads source (y, 2 - x).
    const warped = warpAffine(source, [0, 1, 0, -1, 0, 2], 3, 4);
    for (let y = 0; y < 4; y += 1) for (let x = 0; x < 3; x += 1) expect(pixel(warped, x, y)).toEqual(pixel(source, y, 2 - x));
  });

  it('writes into a target buffer when given one and returns it', () => {
    const source = pattern(3, 3);
    const target = new Uint8Array(27).fill(9);
    const warped = warpAffine(source, IDENTITY, 3, 3, target);
    expect(warped.data).toBe(target);
    expect(Array.from(target)).toEqual(Array.from(source.data));
  });

  it('never reads or writes past the buffers for an output larger than the source', () => {
    const source = pattern(3, 2);
    const warped = warpAffine(source, [0.5, 0, 0, 0, 0.5, 0], 9, 7);
    expect(warped.data).toHaveLength(9 * 7 * 3);
    expect(Array.from(warped.data).every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
    expect(pixel(warped, 0, 0)).toEqual(pixel(source, 0, 0));
    expect(pixel(warped, 2, 2)).toEqual(pixel(source, 1, 1));
  });
});
