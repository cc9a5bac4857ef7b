import type { RgbImage } from '../../domain/image';

/** How a model wants its pixels: channel layout and (x - mean) / std. */
export interface PixelNormalisation {
  readonly channelOrder: 'rgb' | 'bgr' | 'gray';
  readonly mean: number;
  readonly std: number;
}

export const channelsOf = (normalisation: PixelNormalisation): number => (normalisation.channelOrder === 'gray' ? 1 : 3);

/**
 * Writes one interleaved RGB image into slot `index` of a planar (NCHW) float
 * tensor, normalising on the way. Grey uses BT.601 luma.
 */
export function packIntoTensor(image: RgbImage, normalisation: PixelNormalisation, tensor: Float32Array, index: number): void {
  const { data } = image;
  const plane = image.width * image.height;
  const scale = 1 / normalisation.std;
  const mean = normalisation.mean;
  const base = index * plane * channelsOf(normalisation);
  if (normalisation.channelOrder === 'gray') {
    for (let p = 0, i = 0; p < plane; p += 1, i += 3) {
      const luma = 0.299 * (data[i] as number) + 0.587 * (data[i + 1] as number) + 0.114 * (data[i + 2] as number);
      tensor[base + p] = (luma - mean) * scale;
    }
    return;
  }
  const [first, last] = normalisation.channelOrder === 'rgb' ? [0, 2] : [2, 0];
  for (let p = 0, i = 0; p < plane; p += 1, i += 3) {
    tensor[base + p] = ((data[i + first] as number) - mean) * scale;
    tensor[base + plane + p] = ((data[i + 1] as number) - mean) * scale;
    tensor[base + 2 * plane + p] = ((data[i + last] as number) - mean) * scale;
  }
}
