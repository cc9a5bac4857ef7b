import type { TensorLayout } from '../imaging/tensor-from-images';

/** The input a model expects: size plus pixel normalisation, from the model set's manifest. */
export type ModelInput = TensorLayout;
