import type { PixelNormalisation } from '../imaging/tensor-packing';

/** The input a model expects: size plus pixel normalisation, from the model set's manifest. */
export interface ModelInput extends PixelNormalisation {
  readonly width: number;
  readonly height: number;
}
