import type { RgbImage } from '../../domain/image';

/** How a model wants its pixels: channel layout and (x - mean) / std. */
export interface PixelNormalisation {
  readonly channelOrder: 'rgb' | 'bgr' | 'gray';
  readonly mean: number;
  readonly std: number;
}

export const channelsOf = (normalisation: PixelNormalisation): number => (normalisation.channelOrder === 'gray' ? 1 : 3);

/** Pads the part of each channel plane of a slot that the image does not cover: the rows below it and the columns to its right. */
function fillLetterbox(
  tensor: Float32Array,
  base: number,
  channels: number,
  slot: { readonly width: number; readonly height: number },
  width: number,
  height: number,
  value: number,
): void {
  const plane = slot.width * slot.height;
  for (let c = 0; c < channels; c += 1) {
    const start = base + c * plane;
    if (width < slot.width) for (let y = 0; y < height; y += 1) tensor.fill(value, start + y * slot.width + width, start + (y + 1) * slot.width);
    tensor.fill(value, start + height * slot.width, start + plane);
  }
}

/**
 * Writes one interleaved RGB image into slot `index` of a planar (NCHW) float
 * tensor, normalising on the way. Grey uses BT.601 luma. The slot is `slot`
 * pixels (default: the image's own size); an image smaller than its slot
 * fills the top left and the rest is black (0 before normalisation), as a
 * letterbox.
 */
export function packIntoTensor(
  image: RgbImage,
  normalisation: PixelNormalisation,
  tensor: Float32Array,
  index: number,
  slot: { readonly width: number; readonly height: number } = image,
): void {
  const { data, width, height } = image;
  if (width > slot.width || height > slot.height) throw new RangeError(`a ${width}×${height} image does not fit a ${slot.width}×${slot.height} slot`);
  const plane = slot.width * slot.height;
  const channels = channelsOf(normalisation);
  const scale = 1 / normalisation.std;
  const mean = normalisation.mean;
  const base = index * plane * channels;
  if (width < slot.width || height < slot.height) fillLetterbox(tensor, base, channels, slot, width, height, -mean * scale);
  if (normalisation.channelOrder === 'gray') {
    for (let y = 0; y < height; y += 1) {
      const row = base + y * slot.width;
      for (let x = 0, i = y * width * 3; x < width; x += 1, i += 3) {
        const luma = 0.299 * (data[i] as number) + 0.587 * (data[i + 1] as number) + 0.114 * (data[i + 2] as number);
        tensor[row + x] = (luma - mean) * scale;
      }
    }
    return;
  }
  const [first, last] = normalisation.channelOrder === 'rgb' ? [0, 2] : [2, 0];
  for (let y = 0; y < height; y += 1) {
    const row = base + y * slot.width;
    for (let x = 0, i = y * width * 3; x < width; x += 1, i += 3) {
      tensor[row + x] = ((data[i + first] as number) - mean) * scale;
      tensor[row + plane + x] = ((data[i + 1] as number) - mean) * scale;
      tensor[row + 2 * plane + x] = ((data[i + last] as number) - mean) * scale;
    }
  }
}
