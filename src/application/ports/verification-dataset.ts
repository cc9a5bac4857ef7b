/** A labelled pair of images in a verification benchmark. */
export interface ImagePair {
  readonly first: string;
  readonly second: string;
  readonly same: boolean;
}

export interface VerificationDataset {
  /** The benchmark's folds, each a list of pairs of image identifiers. */
  folds(): Promise<readonly (readonly ImagePair[])[]>;
  /** The bytes of one image. */
  read(imageId: string): Promise<Uint8Array>;
}
