import { lumaOf, mirrorImage, type RgbImage } from '../../../src/domain/image';

/** A 3×2 image whose pixel (x, y) is (10·x + y, 100 + x, 200 + y). */
const sample = (): RgbImage => {
  const width = 3;
  const height = 2;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) data.set([10 * x + y, 100 + x, 200 + y], (y * width + x) * 3);
  }
  return { width, height, data };
};

const pixel = (image: RgbImage, x: number, y: number): number[] => Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));

describe('lumaOf', () => {
  it('is the BT.601 weighted sum of R, G and B for every pixel, row-major', () => {
    const image: RgbImage = { width: 2, height: 2, data: new Uint8Array([255, 255, 255, 10, 20, 30, 255, 0, 0, 0, 0, 255]) };
    const luma = lumaOf(image);
    expect(luma).toBeInstanceOf(Float32Array);
    expect(luma).toHaveLength(4);
    expect(luma[0]).toBeCloseTo(255, 4);
    expect(luma[1]).toBeCloseTo(0.299 * 10 + 0.587 * 20 + 0.114 * 30, 4);
    expect(luma[2]).toBeCloseTo(0.299 * 255, 4);
    expect(luma[3]).toBeCloseTo(0.114 * 255, 4);
  });

  it('gives green the largest weight and black zero', () => {
    const image: RgbImage = { width: 3, height: 1, data: new Uint8Array([100, 0, 0, 0, 100, 0, 0, 0, 0]) };
    const [red, green, black] = lumaOf(image);
    expect(green).toBeGreaterThan(red as number);
    expect(black).toBe(0);
  });
});

describe('mirrorImage', () => {
  it('moves pixel (x, y) to (width - 1 - x, y), keeping channel order', () => {
    const image = sample();
    const mirrored = mirrorImage(image);
    expect(mirrored.width).toBe(3);
    expect(mirrored.height).toBe(2);
    for (let y = 0; y < 2; y += 1) {
      for (let x = 0; x < 3; x += 1) expect(pixel(mirrored, 2 - x, y)).toEqual(pixel(image, x, y));
    }
    expect(pixel(mirrored, 0, 1)).toEqual([21, 102, 201]);
  });

  it('returns a new buffer and leaves the source untouched', () => {
    const image = sample();
    const before = Array.from(image.data);
    const mirrored = mirrorImage(image);
    expect(mirrored.data).not.toBe(image.data);
    expect(Array.from(image.data)).toEqual(before);
  });

  it('mirrored twice is the original', () => {
    const image = sample();
    expect(Array.from(mirrorImage(mirrorImage(image)).data)).toEqual(Array.from(image.data));
  });
});
