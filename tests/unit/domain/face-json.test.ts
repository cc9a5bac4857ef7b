import type { AnalyzedFace } from '../../../src/domain/face';
import { faceToJson } from '../../../src/domain/face-json';

const face: AnalyzedFace = {
  box: { x1: 10.123, y1: 20.456, x2: 110.789, y2: 130.001 },
  score: 0.987654,
  landmarks: [
    { x: 40.111, y: 50.557 },
    { x: 80.004, y: 50.996 },
    { x: 60.5, y: 70.25 },
    { x: 45.123, y: 90.987 },
    { x: 75.0, y: 90.0 },
  ],
  quality: { faceSize: 100.666, sharpness: 123.456, pose: { yaw: 3.14159, roll: -2.71828 }, passed: true, reason: 'ok' },
  embedding: new Float32Array([0.1234567, -0.7654321]),
};

describe('faceToJson', () => {
  it('rounds box and landmarks to 2 decimals, score to 4, quality measures to 1, in snake_case', () => {
    expect(faceToJson(face)).toEqual({
      box: [10.12, 20.46, 110.79, 130],
      score: 0.9877,
      landmarks: [
        [40.11, 50.56],
        [80, 51],
        [60.5, 70.25],
        [45.12, 90.99],
        [75, 90],
      ],
      quality: { passed: true, reason: 'ok', face_size: 100.7, sharpness: 123.5, yaw: 3.1, roll: -2.7 },
    });
  });

  it('leaves the embedding out unless asked (privacy), and rounds it to 6 decimals when asked', () => {
    expect(faceToJson(face)).not.toHaveProperty('embedding');
    expect(faceToJson(face, true).embedding).toEqual([0.123457, -0.765432]);
    const rejected: AnalyzedFace = { ...face, embedding: undefined };
    expect(faceToJson(rejected, true)).not.toHaveProperty('embedding');
  });

  it('reports a known identity with its id, name and similarity', () => {
    const known: AnalyzedFace = { ...face, identity: { status: 'known', identityId: 'p1', name: 'Ada', similarity: 0.612345 } };
    expect(faceToJson(known).identity).toEqual({ status: 'known', id: 'p1', name: 'Ada', similarity: 0.6123 });
  });

  it('reports an unknown face with its best similarity, or null for an empty gallery', () => {
    expect(faceToJson({ ...face, identity: { status: 'unknown', bestSimilarity: 0.123456 } }).identity).toEqual({
      status: 'unknown',
      best_similarity: 0.1235,
    });
    expect(faceToJson({ ...face, identity: { status: 'unknown', bestSimilarity: null } }).identity).toEqual({
      status: 'unknown',
      best_similarity: null,
    });
  });

  it('has no identity field when no gallery was consulted, and is valid JSON', () => {
    const json = faceToJson(face);
    expect(json).not.toHaveProperty('identity');
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('reports a rejected face with its reason', () => {
    const rejected: AnalyzedFace = { ...face, quality: { ...face.quality, passed: false, reason: 'too_blurry' } };
    expect(faceToJson(rejected).quality).toMatchObject({ passed: false, reason: 'too_blurry' });
  });
});
