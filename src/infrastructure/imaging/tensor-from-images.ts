import type { RgbImage } from '../../domain/image';
import { resizeRegion, type PixelRegion } from './affine-warp';
import { channelsOf, packIntoTensor, type PixelNormalisation } from './tensor-packing';

/** One model input item: a whole image, or the region of it the model should see. */
export interface TensorSource {
  readonly image: RgbImage;
  /** Default: the whole image. */
  readonly region?: PixelRegion;
}

/** A model input's size and pixel normalisation. */
export interface TensorLayout extends PixelNormalisation {
  readonly width: number;
  readonly height: number;
}

const isWholeImageAtSize = (source: TensorSource, layout: TensorLayout): boolean => {
  const { image, region } = source;
  const whole = region === undefined || (region.x === 0 && region.y === 0 && region.width === image.width && region.height === image.height);
  return whole && image.width === layout.width && image.height === layout.height;
};

/**
 * Builds a model's NCHW input batch: each item's region is stretched to the
 * model's size (bilinear, as `resizeRegion`) and normalised into its slot.
 * An item that already has the model's size (an aligned crop) is packed as is.
 */
export function tensorFromImages(sources: readonly TensorSource[], layout: TensorLayout): { input: Float32Array; dims: number[] } {
  const channels = channelsOf(layout);
  const input = new Float32Array(sources.length * channels * layout.width * layout.height);
  let resized: Uint8Array | undefined;
  sources.forEach((source, index) => {
    if (isWholeImageAtSize(source, layout)) {
      packIntoTensor(source.image, layout, input, index);
      return;
    }
    resized ??= new Uint8Array(layout.width * layout.height * 3);
    const region = source.region ?? { x: 0, y: 0, width: source.image.width, height: source.image.height };
    packIntoTensor(resizeRegion(source.image, region, layout.width, layout.height, resized), layout, input, index);
  });
  return { input, dims: [sources.length, channels, layout.height, layout.width] };
}
