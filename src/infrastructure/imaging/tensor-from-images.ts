import type { RgbImage } from '../../domain/image';
import { resizeRegion, type PixelRegion } from './affine-warp';
import { scaleWithLibvips } from './libvips-scale';
import { channelsOf, packIntoTensor, type PixelNormalisation } from './tensor-packing';

/** One model input item: a whole image, or the region of it the model should see. */
export interface TensorSource {
  readonly image: RgbImage;
  /** Default: the whole image. */
  readonly region?: PixelRegion;
  /**
   * The size the region is scaled to, placed at the top left of the item's
   * slot, the rest of the slot padded black (a letterbox). Default: the
   * layout's size, i.e. the region is stretched to fill the slot.
   */
  readonly size?: { readonly width: number; readonly height: number };
}

/** A model input's size and pixel normalisation. */
export interface TensorLayout extends PixelNormalisation {
  readonly width: number;
  readonly height: number;
}

/**
 * Below this many output pixels a resize runs in JavaScript: libvips's
 * per-call set-up costs more than small crops (the landmark model's 64×64).
 * Above it, libvips's SIMD reducer is several times faster than the
 * JavaScript loop, and it filters properly when shrinking a frame by 1.5× or
 * more, where two-tap bilinear sampling aliases (adr/0009).
 */
const LIBVIPS_MIN_OUTPUT_PIXELS = 128 * 128;

const isWholeImage = (image: RgbImage, region: PixelRegion): boolean =>
  region.x === 0 && region.y === 0 && region.width === image.width && region.height === image.height;

const isWholePixels = (region: PixelRegion): boolean =>
  [region.x, region.y, region.width, region.height].every(Number.isInteger);

/** The pixels of one item at the size it takes in its slot. */
async function itemPixels(source: TensorSource, layout: TensorLayout): Promise<RgbImage> {
  const { image } = source;
  const region = source.region ?? { x: 0, y: 0, width: image.width, height: image.height };
  const size = source.size ?? layout;
  if (isWholeImage(image, region) && image.width === size.width && image.height === size.height) return image;
  if (size.width * size.height >= LIBVIPS_MIN_OUTPUT_PIXELS && isWholePixels(region)) return scaleWithLibvips(image, region, size.width, size.height);
  return resizeRegion(image, region, size.width, size.height);
}

/**
 * Builds a model's NCHW input batch: each item's region is scaled to its
 * size (stretched to the whole slot unless a size is given), normalised and
 * packed into its slot; an item that already has its size (an aligned crop)
 * is packed as is. Every element is written, so `allocate` may hand out
 * memory that holds an earlier batch (the worker's reusable buffer).
 */
export async function tensorFromImages(
  sources: readonly TensorSource[],
  layout: TensorLayout,
  allocate: (length: number) => Float32Array = (length) => new Float32Array(length),
): Promise<{ input: Float32Array; dims: number[] }> {
  const channels = channelsOf(layout);
  const input = allocate(sources.length * channels * layout.width * layout.height);
  for (const [index, source] of sources.entries()) {
    packIntoTensor(await itemPixels(source, layout), layout, input, index, layout);
  }
  return { input, dims: [sources.length, channels, layout.height, layout.width] };
}
