/** One person of an identification benchmark and their photos, in the dataset's order. */
export interface PersonPhotos {
  readonly person: string;
  /** Image identifiers, to be read with IdentificationDataset.read. */
  readonly photos: readonly string[];
}

export interface IdentificationDataset {
  /** The people to enrol and search for (LFW: the 62 with at least 20 photos). */
  knownPeople(): Promise<readonly PersonPhotos[]>;
  /** Everyone else: never enrolled, their photos searched as unknowns. */
  unknownPeople(): Promise<readonly PersonPhotos[]>;
  /** The bytes of one image. */
  read(imageId: string): Promise<Uint8Array>;
}
