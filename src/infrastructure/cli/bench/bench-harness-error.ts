import { FaceRecognitionError, type ErrorContext } from '../../../domain/errors';

/** A benchmark could not set up or drive its Redis and service processes. */
export class BenchHarnessError extends FaceRecognitionError {
  readonly code = 'bench_harness_error';
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}
