import {
  DegenerateAlignmentError,
  DependencyUnavailable,
  EmbeddingMismatchError,
  errorCode,
  FaceNotDetected,
  FaceRecognitionError,
  ImageDecodeError,
  ImageTooLargeError,
  InvalidImageError,
  InvalidLandmarksError,
  SceneGenerationError,
} from '../../../src/domain/errors';

type ErrorClass = new (message: string, context?: Record<string, string | number | boolean | null>) => FaceRecognitionError;

const CLASSES: Array<[ErrorClass, string, string]> = [
  [ImageDecodeError, 'ImageDecodeError', 'image_decode_error'],
  [InvalidImageError, 'InvalidImageError', 'invalid_image'],
  [ImageTooLargeError, 'ImageTooLargeError', 'image_too_large'],
  [FaceNotDetected, 'FaceNotDetected', 'face_not_detected'],
  [InvalidLandmarksError, 'InvalidLandmarksError', 'invalid_landmarks'],
  [EmbeddingMismatchError, 'EmbeddingMismatchError', 'embedding_mismatch'],
  [DegenerateAlignmentError, 'DegenerateAlignmentError', 'degenerate_alignment'],
  [DependencyUnavailable, 'DependencyUnavailable', 'dependency_unavailable'],
  [SceneGenerationError, 'SceneGenerationError', 'scene_generation_error'],
];

describe('typed errors', () => {
  it.each(CLASSES)('%p carries its name, stable code, message and context', (ErrorType, name, code) => {
    const error = new ErrorType('something went wrong', { image: 'a.jpg', bytes: 12, partial: true, reason: null });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(FaceRecognitionError);
    expect(error).toBeInstanceOf(ErrorType);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.message).toBe('something went wrong');
    expect(error.context).toEqual({ image: 'a.jpg', bytes: 12, partial: true, reason: null });
    expect(error.stack).toContain(name);
    expect(errorCode(error)).toBe(code);
  });

  it.each(CLASSES)('%p has an empty context by default', (ErrorType) => {
    expect(new ErrorType('no context').context).toEqual({});
  });

  it('codes are distinct, so they can label metrics and dead letters', () => {
    expect(new Set(CLASSES.map(([, , code]) => code)).size).toBe(CLASSES.length);
  });

  it('ImageDecodeError and DependencyUnavailable keep the underlying cause', () => {
    const cause = new Error('VipsJpeg: premature end of input file');
    expect(new ImageDecodeError('cannot decode image', { bytes: 10 }, { cause }).cause).toBe(cause);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const error = new DependencyUnavailable('redis did not answer', { dependency: 'redis' }, { cause: refused });
    expect(error.cause).toBe(refused);
    expect(error.context).toEqual({ dependency: 'redis' });
  });

  it('the base class gives subclasses an empty context by default', () => {
    class CustomError extends FaceRecognitionError {
      readonly code = 'custom';
      constructor(message: string) {
        super(message);
      }
    }
    const error = new CustomError('custom failure');
    expect(error.name).toBe('CustomError');
    expect(error.context).toEqual({});
    expect(errorCode(error)).toBe('custom');
  });
});

describe('errorCode', () => {
  it('is internal_error for anything that is not a typed error', () => {
    expect(errorCode(new Error('boom'))).toBe('internal_error');
    expect(errorCode(Object.assign(new Error('fs'), { code: 'ENOENT' }))).toBe('internal_error');
    expect(errorCode('a string')).toBe('internal_error');
    expect(errorCode(undefined)).toBe('internal_error');
  });
});
