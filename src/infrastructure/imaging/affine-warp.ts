import type { AffineMatrix } from '../../domain/alignment';
import type { RgbImage } from '../../domain/image';

/**
 * Bilinear affine warp of an RGB image, the hot loop behind every face crop
 * and model input. `outputToSource` maps output pixel centres back into the
 * source (the inverse of the alignment transform); samples outside the source
 * read as black, like OpenCV's warpAffine with BORDER_CONSTANT.
 *
 * No allocation per pixel: pass `target` to reuse a buffer across calls.
 */
export function warpAffine(
  source: RgbImage,
  outputToSource: AffineMatrix,
  width: number,
  height: number,
  target: Uint8Array = new Uint8Array(width * height * 3),
): RgbImage {
  const [a, b, tx, c, d, ty] = outputToSource;
  const src = source.data;
  const sw = source.width;
  const sh = source.height;
  const stride = sw * 3;
  let o = 0;
  for (let y = 0; y < height; y += 1) {
    // Walk each output row incrementally: one add per coordinate and pixel.
    let sx = b * y + tx;
    let sy = d * y + ty;
    for (let x = 0; x < width; x += 1, sx += a, sy += c, o += 3) {
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      if (x0 >= 0 && y0 >= 0 && x0 < sw - 1 && y0 < sh - 1) {
        // Fast path: the whole 2×2 neighbourhood is inside the image (almost every pixel).
        const p00 = y0 * stride + x0 * 3;
        const p10 = p00 + stride;
        const w11 = fx * fy;
        const w10 = fy - w11;
        const w01 = fx - w11;
        const w00 = 1 - fx - fy + w11;
        target[o] = (src[p00]! * w00 + src[p00 + 3]! * w01 + src[p10]! * w10 + src[p10 + 3]! * w11 + 0.5) | 0;
        target[o + 1] = (src[p00 + 1]! * w00 + src[p00 + 4]! * w01 + src[p10 + 1]! * w10 + src[p10 + 4]! * w11 + 0.5) | 0;
        target[o + 2] = (src[p00 + 2]! * w00 + src[p00 + 5]! * w01 + src[p10 + 2]! * w10 + src[p10 + 5]! * w11 + 0.5) | 0;
        continue;
      }
      if (x0 < -1 || y0 < -1 || x0 >= sw || y0 >= sh) {
        target[o] = 0;
        target[o + 1] = 0;
        target[o + 2] = 0;
        continue;
      }
      // Border: neighbours outside the image read as black.
      const inX0 = x0 >= 0;
      const inX1 = x0 + 1 < sw;
      const inY0 = y0 >= 0;
      const inY1 = y0 + 1 < sh;
      const p00 = y0 * stride + x0 * 3;
      const p10 = p00 + stride;
      for (let ch = 0; ch < 3; ch += 1) {
        const v00 = inY0 && inX0 ? src[p00 + ch]! : 0;
        const v01 = inY0 && inX1 ? src[p00 + 3 + ch]! : 0;
        const v10 = inY1 && inX0 ? src[p10 + ch]! : 0;
        const v11 = inY1 && inX1 ? src[p10 + 3 + ch]! : 0;
        target[o + ch] = (v00 * (1 - fx) * (1 - fy) + v01 * fx * (1 - fy) + v10 * (1 - fx) * fy + v11 * fx * fy + 0.5) | 0;
      }
    }
  }
  return { width, height, data: target };
}

/** An axis-aligned rectangle of source pixels (fractional edges allowed). */
export interface PixelRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Bilinear resize of the source rectangle (x, y, w, h) to width × height:
 * the axis-aligned special case of warpAffine (same sampling, same black
 * border), with the horizontal taps computed once per column instead of per
 * pixel. Used for the detector's whole-frame input and the landmark crops.
 */
export function resizeRegion(
  source: RgbImage,
  region: PixelRegion,
  width: number,
  height: number,
  target: Uint8Array = new Uint8Array(width * height * 3),
): RgbImage {
  const scaleX = region.width / width;
  const scaleY = region.height / height;
  const sw = source.width;
  const sh = source.height;
  // Per column: the two source columns (as byte offsets, -1 = outside) and the right-hand weight.
  const left = new Int32Array(width);
  const right = new Int32Array(width);
  const weightX = new Float64Array(width);
  for (let x = 0; x < width; x += 1) {
    const sx = region.x + x * scaleX;
    const x0 = Math.floor(sx);
    weightX[x] = sx - x0;
    left[x] = x0 >= 0 && x0 < sw ? x0 * 3 : -1;
    right[x] = x0 + 1 >= 0 && x0 + 1 < sw ? (x0 + 1) * 3 : -1;
  }
  const src = source.data;
  const stride = sw * 3;
  let o = 0;
  for (let y = 0; y < height; y += 1) {
    const sy = region.y + y * scaleY;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    const top = y0 >= 0 && y0 < sh ? y0 * stride : -1;
    const bottom = y0 + 1 >= 0 && y0 + 1 < sh ? (y0 + 1) * stride : -1;
    const rowInside = top >= 0 && bottom >= 0;
    for (let x = 0; x < width; x += 1, o += 3) {
      const fx = weightX[x]!;
      const l = left[x]!;
      const r = right[x]!;
      if (rowInside && l >= 0 && r >= 0) {
        const a = top + l;
        const b = top + r;
        const c = bottom + l;
        const d = bottom + r;
        const w11 = fx * fy;
        const w10 = fy - w11;
        const w01 = fx - w11;
        const w00 = 1 - fx - fy + w11;
        target[o] = (src[a]! * w00 + src[b]! * w01 + src[c]! * w10 + src[d]! * w11 + 0.5) | 0;
        target[o + 1] = (src[a + 1]! * w00 + src[b + 1]! * w01 + src[c + 1]! * w10 + src[d + 1]! * w11 + 0.5) | 0;
        target[o + 2] = (src[a + 2]! * w00 + src[b + 2]! * w01 + src[c + 2]! * w10 + src[d + 2]! * w11 + 0.5) | 0;
        continue;
      }
      for (let ch = 0; ch < 3; ch += 1) {
        const v00 = top >= 0 && l >= 0 ? src[top + l + ch]! : 0;
        const v01 = top >= 0 && r >= 0 ? src[top + r + ch]! : 0;
        const v10 = bottom >= 0 && l >= 0 ? src[bottom + l + ch]! : 0;
        const v11 = bottom >= 0 && r >= 0 ? src[bottom + r + ch]! : 0;
        const upper = v00 + (v01 - v00) * fx;
        const lower = v10 + (v11 - v10) * fx;
        target[o + ch] = (upper + (lower - upper) * fy + 0.5) | 0;
      }
    }
  }
  return { width, height, data: target };
}
