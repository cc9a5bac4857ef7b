import { policiesAround, sweepQualityGate, type SceneFaceSample } from '../../../src/domain/gate-sweep';
import { qualityVerdict, type QualityPolicy } from '../../../src/domain/quality';

const policy: QualityPolicy = { minFaceSize: 16, minSharpness: 10, maxYawDegrees: 60 };
const measures = (sharpness: number, faceSize = 60, yawDegrees = 0) => ({ sharpness, faceSize, yawDegrees });

describe('qualityVerdict', () => {
  it('names the first failed rule: size, then pose, then sharpness', () => {
    expect(qualityVerdict(measures(0, 10, 80), policy)).toBe('too_small');
    expect(qualityVerdict(measures(0, 60, -80), policy)).toBe('extreme_pose');
    expect(qualityVerdict(measures(9.9), policy)).toBe('too_blurry');
    expect(qualityVerdict(measures(10, 16, 60), policy)).toBe('ok');
  });
});

describe('sweepQualityGate', () => {
  const found = (sharpness: number, bestIdentity: string | null, bestSimilarity: number, faceSize = 60) => ({
    ...measures(sharpness, faceSize),
    bestIdentity,
    bestSimilarity,
  });
  const scenes: SceneFaceSample[] = [
    { bucket: 24, person: 'ada', found: found(5, 'ada', 0.5, 20) },
    { bucket: 24, person: 'bob', found: null },
    { bucket: 64, person: 'ada', found: found(30, 'ada', 0.3) },
    { bucket: 64, person: 'bob', found: found(30, 'ada', 0.5) },
    { bucket: 64, person: null, found: found(30, 'bob', 0.45) },
    { bucket: 64, person: null, found: found(2, 'bob', 0.9) },
    { bucket: 64, person: null, found: null },
  ];
  const blurred = [
    { sigma: 0, face: measures(40) },
    { sigma: 0, face: measures(12) },
    { sigma: 3, face: measures(4) },
    { sigma: 3, face: null },
    { sigma: 5, face: null },
  ];
  const [row] = sweepQualityGate({ blurred, scenes, thresholds: [0.276, 0.42], atLeastSizes: [48] }, [policy]);

  it('rejects blurred photos among those with a detected face, per σ', () => {
    expect(row!.blurred).toEqual([
      { sigma: 0, photos: 2, detected: 2, rejected: 0, rate: 0 },
      { sigma: 3, photos: 2, detected: 1, rejected: 1, rate: 1 },
      { sigma: 5, photos: 1, detected: 0, rejected: 0, rate: null },
    ]);
  });

  it('rejects found scene faces per size bucket', () => {
    expect(row!.scenes).toEqual([
      { bucket: 24, found: 1, rejected: 1, rejectionRate: 1 },
      { bucket: 64, found: 4, rejected: 1, rejectionRate: 0.25 },
    ]);
  });

  it('identifies gallery faces that are found, pass, and score their own person at the threshold', () => {
    const [loose, strict] = row!.identification;
    expect(loose).toEqual({
      threshold: 0.276,
      rows: [
        { label: '24', galleryFaces: 2, identified: 0, rate: 0 },
        { label: '64', galleryFaces: 2, identified: 1, rate: 0.5 },
        { label: '≥48', galleryFaces: 2, identified: 1, rate: 0.5 },
      ],
      wrong: 1,
      strangers: 1,
      strangersAccepted: 1,
    });
    expect(strict!.rows[1]).toEqual({ label: '64', galleryFaces: 2, identified: 0, rate: 0 });
    expect(strict!.wrong).toBe(1);
    expect(strict!.strangersAccepted).toBe(1);
  });

  it('gives no rate for a group without gallery faces', () => {
    const [only] = sweepQualityGate({ blurred: [], scenes: [{ bucket: 32, person: null, found: null }], thresholds: [0.3], atLeastSizes: [] }, [policy]);
    expect(only!.identification[0]!.rows).toEqual([{ label: '32', galleryFaces: 0, identified: 0, rate: null }]);
    expect(only!.scenes).toEqual([{ bucket: 32, found: 0, rejected: 0, rejectionRate: null }]);
  });

  it('does not count a face without a gallery match as identified or wrong', () => {
    const [only] = sweepQualityGate({ blurred: [], scenes: [{ bucket: 32, person: 'ada', found: found(30, null, -1) }], thresholds: [-1], atLeastSizes: [] }, [policy]);
    expect(only!.identification[0]).toMatchObject({ wrong: 0, rows: [{ identified: 0 }] });
  });
});

describe('policiesAround', () => {
  it('varies one rule at a time around the configured policy, configured first, without repeats', () => {
    const policies = policiesAround(policy, { minSharpness: [8, 10], minFaceSize: [16, 24], maxYawDegrees: [45] });
    expect(policies).toEqual([
      policy,
      { ...policy, minSharpness: 8 },
      { ...policy, minFaceSize: 24 },
      { ...policy, maxYawDegrees: 45 },
    ]);
    expect(policies[0]).toBe(policy);
  });
});
