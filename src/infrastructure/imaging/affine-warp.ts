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
    // Walk each output row incrementally: one multiply-add per coordinate.
    let sx = b * y + tx;
    let sy = d * y + ty;
    for (let x = 0; x < width; x += 1, sx += a, sy += c, o += 3) {
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= sw || y0 >= sh) {
        target[o] = 0;
        target[o + 1] = 0;
        target[o + 2] = 0;
        continue;
      }
      const fx = sx - x0;
      const fy = sy - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const inX0 = x0 >= 0;
      const inX1 = x0 + 1 < sw;
      const inY0 = y0 >= 0;
      const inY1 = y0 + 1 < sh;
      const p00 = y0 * stride + x0 * 3;
      const p10 = p00 + stride;
      for (let ch = 0; ch < 3; ch += 1) {
        const v00 = inY0 && inX0 ? (src[p00 + ch] as number) : 0;
        const v01 = inY0 && inX1 ? (src[p00 + 3 + ch] as number) : 0;
        const v10 = inY1 && inX0 ? (src[p10 + ch] as number) : 0;
        const v11 = inY1 && inX1 ? (src[p10 + 3 + ch] as number) : 0;
        target[o + ch] = Math.round(v00 * w00 + v01 * w01 + v10 * w10 + v11 * w11);
      }
    }
  }
  return { width, height, data: target };
}
