/** Decoded pixels: 8-bit RGB, interleaved, row-major, no padding. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** ITU-R BT.601 luma of every pixel, as floats. */
export function lumaOf(image: RgbImage): Float32Array {
  const { width, height, data } = image;
  const luma = new Float32Array(width * height);
  for (let i = 0, j = 0; i < luma.length; i += 1, j += 3) {
    luma[i] = 0.299 * (data[j] as number) + 0.587 * (data[j + 1] as number) + 0.114 * (data[j + 2] as number);
  }
  return luma;
}

/** The image mirrored left to right (a new buffer). */
export function mirrorImage(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const mirrored = new Uint8Array(data.length);
  for (let y = 0; y < height; y += 1) {
    const row = y * width * 3;
    for (let x = 0; x < width; x += 1) {
      const from = row + x * 3;
      const to = row + (width - 1 - x) * 3;
      mirrored[to] = data[from] as number;
      mirrored[to + 1] = data[from + 1] as number;
      mirrored[to + 2] = data[from + 2] as number;
    }
  }
  return { width, height, data: mirrored };
}
