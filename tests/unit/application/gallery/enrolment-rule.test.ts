import { enrolmentFaceOf, rejectionOf, requireSomeAccepted } from '../../../../src/application/use-cases/gallery/gallery-images';
import { failure, success } from '../../../../src/application/outcome';
import type { ImageAnalysis } from '../../../../src/application/use-cases/analyze-faces';
import { FaceNotDetected, ImageDecodeError } from '../../../../src/domain/errors';
import type { AnalyzedFace } from '../../../../src/domain/face';
import type { QualityVerdict } from '../../../../src/domain/quality';

const face = (size: number, reason: QualityVerdict): AnalyzedFace => ({
  box: { x1: 0, y1: 0, x2: size, y2: size },
  score: 0.9,
  landmarks: [
    { x: 1, y: 1 },
    { x: 2, y: 1 },
    { x: 1.5, y: 2 },
    { x: 1, y: 3 },
    { x: 2, y: 3 },
  ],
  quality: { faceSize: size, sharpness: 30, pose: { yaw: 0, roll: 0 }, passed: reason === 'ok', reason },
  ...(reason === 'ok' ? { embedding: new Float32Array([1, 0]) } : {}),
});

const image = (...faces: AnalyzedFace[]) => success<ImageAnalysis>({ width: 640, height: 480, faces });

describe('the enrolment rule: exactly one face that passes the quality gate', () => {
  it('takes the one passing face, even beside faces that fail the gate', () => {
    const only = face(120, 'ok');
    const result = enrolmentFaceOf(image(face(30, 'too_blurry'), only, face(10, 'too_small')), 0);
    expect(result).toEqual({ ok: true, value: only });
  });

  it('refuses an image without a face: face_not_detected', () => {
    const result = enrolmentFaceOf(image(), 3);
    expect(result.ok).toBe(false);
    if (!result.ok) expect({ code: result.error.code, index: result.error.context.index }).toEqual({ code: 'face_not_detected', index: 3 });
  });

  it('refuses faces that all fail the gate: poor_quality with the verdict of the largest face', () => {
    const result = enrolmentFaceOf(image(face(12, 'too_small'), face(90, 'extreme_pose'), face(40, 'too_blurry')), 1);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('poor_quality');
      expect(rejectionOf(result.error, 1)).toMatchObject({ index: 1, code: 'poor_quality', reason: 'extreme_pose' });
    }
  });

  it('refuses two passing faces: multiple_faces', () => {
    const result = enrolmentFaceOf(image(face(100, 'ok'), face(80, 'ok')), 0);
    expect(result.ok).toBe(false);
    if (!result.ok) expect({ code: result.error.code, faces: result.error.context.faces }).toEqual({ code: 'multiple_faces', faces: 2 });
  });

  it('passes on the error of an image that could not be analysed', () => {
    const error = new ImageDecodeError('not an image');
    expect(enrolmentFaceOf(failure(error), 0)).toEqual({ ok: false, error });
    expect(rejectionOf(error, 2)).toEqual({ index: 2, code: 'image_decode_error', reason: 'not an image', error });
  });
});

describe('requireSomeAccepted', () => {
  it('throws the first rejection when no image was accepted, and nothing otherwise', () => {
    const first = new FaceNotDetected('none');
    expect(() => requireSomeAccepted({ accepted: [], rejected: [rejectionOf(first, 0), rejectionOf(new ImageDecodeError('x'), 1)] })).toThrow(first);
    expect(() => requireSomeAccepted({ accepted: [], rejected: [] })).not.toThrow();
    const accepted = { index: 0, vector: new Float32Array(2), quality: { faceSize: 1, sharpness: 1, yaw: 0 }, createdAt: '', score: 1 };
    expect(() => requireSomeAccepted({ accepted: [accepted], rejected: [rejectionOf(first, 1)] })).not.toThrow();
  });
});
