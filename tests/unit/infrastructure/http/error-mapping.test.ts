import { Overloaded } from '../../../../src/application/errors';
import {
  DegenerateAlignmentError,
  DependencyUnavailable,
  FaceNotDetected,
  ImageDecodeError,
  ImageTooLargeError,
  InvalidImageError,
} from '../../../../src/domain/errors';
import { API_ERROR_STATUS, ApiError } from '../../../../src/infrastructure/http/errors/api-error';
import { toApiError } from '../../../../src/infrastructure/http/errors/error-mapping';

const limits = { bodyLimitBytes: 1000 };
const framework = (code: string, statusCode: number, message = code): Error & { code: string; statusCode: number } =>
  Object.assign(new Error(message), { code, statusCode });

describe('toApiError', () => {
  it('gives every code exactly one status, and ApiError carries it', () => {
    for (const [code, status] of Object.entries(API_ERROR_STATUS)) expect(new ApiError(code as keyof typeof API_ERROR_STATUS, 'm').status).toBe(status);
    const error = new ApiError('invalid_request', 'bad', { field: 'image' });
    expect(toApiError(error, limits)).toBe(error);
    expect(error.toBody()).toEqual({ error: { code: 'invalid_request', message: 'bad', details: { field: 'image' } } });
    expect(new ApiError('not_found', 'none').toBody()).toEqual({ error: { code: 'not_found', message: 'none' } });
  });

  it.each<[string, Error, string, Record<string, unknown> | undefined]>([
    ['ImageDecodeError', new ImageDecodeError('cannot decode image: x', { bytes: 12 }), 'image_decode_error', { bytes: 12 }],
    ['InvalidImageError', new InvalidImageError('too small', { width: 8, height: 8 }), 'invalid_image', { width: 8, height: 8 }],
    ['ImageTooLargeError', new ImageTooLargeError('too many pixels', { maxPixels: 10 }), 'invalid_image', { reason: 'too_many_pixels', maxPixels: 10 }],
    ['FaceNotDetected', new FaceNotDetected('no face'), 'face_not_detected', undefined],
    ['DependencyUnavailable', new DependencyUnavailable('redis down', { host: 'r' }), 'storage_error', { host: 'r' }],
    ['Overloaded', new Overloaded('busy', { running: 1 }), 'overloaded', { running: 1 }],
  ])('maps %s by its code, keeping its message and context', (_name, error, code, details) => {
    const answer = toApiError(error, limits);
    expect(answer.code).toBe(code);
    expect(answer.message).toBe(error.message);
    expect(answer.details).toEqual(details);
  });

  it('says when to retry an overloaded request', () => {
    expect(toApiError(new Overloaded('busy', {}, 3), limits).headers).toEqual({ 'Retry-After': '3' });
  });

  it('hides the message of model failures and unknown errors', () => {
    expect(toApiError(new DegenerateAlignmentError('landmarks at (1,2) (1,2)'), limits).toBody()).toEqual({
      error: { code: 'model_error', message: 'the face models returned an unusable result' },
    });
    for (const unknown of [new Error('secret internals'), 'a string', null, { weird: true }]) {
      expect(toApiError(unknown, limits).toBody()).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
    }
  });

  it('maps the framework\'s errors by code', () => {
    const validation = Object.assign(framework('FST_ERR_VALIDATION', 400, 'body/image must match format "byte"'), {
      validation: [{ instancePath: '/image', message: 'must match format "byte"', keyword: 'format' }],
      validationContext: 'body',
    });
    expect(toApiError(validation, limits).toBody()).toEqual({
      error: { code: 'invalid_request', message: 'invalid body: /image must match format "byte"', details: { problems: [{ in: 'body', path: '/image', message: 'must match format "byte"' }] } },
    });
    const cases: [Error, string][] = [
      [framework('FST_ERR_CTP_BODY_TOO_LARGE', 413), 'payload_too_large'],
      [framework('FST_REQ_FILE_TOO_LARGE', 413), 'payload_too_large'],
      [framework('FST_FILES_LIMIT', 413), 'payload_too_large'],
      [framework('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), 'image_decode_error'],
      [framework('FST_ERR_CTP_EMPTY_JSON_BODY', 400), 'invalid_request'],
      [framework('FST_ERR_CTP_INVALID_JSON_BODY', 400), 'invalid_request'],
      [framework('FST_MP_PREMATURE_CLOSE', 400), 'invalid_request'],
      [framework('SOMETHING_ELSE', 413), 'payload_too_large'],
      [framework('SOMETHING_ELSE', 500), 'internal_error'],
    ];
    for (const [error, code] of cases) expect([error.message, toApiError(error, limits).code]).toEqual([error.message, code]);
    expect(toApiError(framework('FST_ERR_CTP_BODY_TOO_LARGE', 413), limits).details).toEqual({ limit_bytes: 1000 });
  });
});
