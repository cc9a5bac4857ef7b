/** A data set on disk is missing, incomplete or not laid out as expected. */
export class DatasetError extends Error {
  readonly code = 'dataset_error';
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}
