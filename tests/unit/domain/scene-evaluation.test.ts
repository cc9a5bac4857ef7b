import type { BoundingBox } from '../../../src/domain/geometry';
import {
  evaluateFrame,
  matchDetections,
  summariseScenes,
  tallyFaces,
  type DetectedFace,
  type FaceOutcome,
  type FrameEvaluation,
  type TruthFace,
  nearestRank,
} from '../../../src/domain/scene-evaluation';

const box = (x1: number, y1: number, x2: number, y2: number): BoundingBox => ({ x1, y1, x2, y2 });
const truth = (b: BoundingBox, bucket: number, person: string | null = null): TruthFace => ({ box: b, bucket, person });
const detected = (b: BoundingBox, identity: string | null = null, embedded = identity !== null): DetectedFace => ({ box: b, identity, embedded });

describe('matchDetections', () => {
  it('matches best overlap first, one to one', () => {
    const faces = [box(0, 0, 10, 10), box(6, 0, 16, 10)];
    // Detection 0 overlaps face 0 (IoU 0.67) and face 1 (IoU 0.43); detection 1 overlaps face 1 only (IoU 0.82).
    const detections = [box(2, 0, 12, 10), box(5, 0, 15, 10)];
    expect(matchDetections(faces, detections)).toEqual([
      { truth: 1, detection: 1, iou: expect.closeTo(9 / 11, 6) },
      { truth: 0, detection: 0, iou: expect.closeTo(8 / 12, 6) },
    ]);
  });

  it('takes the best pair even when a naive face-by-face pass would take another', () => {
    const faces = [box(0, 0, 10, 10), box(4, 0, 14, 10)];
    const detections = [box(4, 0, 14, 10)]; // face 0: IoU 0.43; face 1: IoU 1
    expect(matchDetections(faces, detections)).toEqual([{ truth: 1, detection: 0, iou: 1 }]);
  });

  it('counts an overlap of exactly the threshold, and not one below it', () => {
    const face = box(0, 0, 10, 10);
    const atThreshold = box(0, 0, 4, 10); // IoU 0.4
    expect(matchDetections([face], [atThreshold])).toHaveLength(1);
    expect(matchDetections([face], [box(0, 0, 3.9, 10)])).toEqual([]);
    expect(matchDetections([face], [box(0, 0, 3.9, 10)], 0.3)).toHaveLength(1);
  });

  it('breaks ties by face then detection order, and handles empty lists', () => {
    const same = box(0, 0, 10, 10);
    expect(matchDetections([same, same], [same, same])).toEqual([
      { truth: 0, detection: 0, iou: 1 },
      { truth: 1, detection: 1, iou: 1 },
    ]);
    expect(matchDetections([], [same])).toEqual([]);
    expect(matchDetections([same], [])).toEqual([]);
  });
});

describe('evaluateFrame', () => {
  const ada = truth(box(0, 0, 100, 100), 96, 'Ada');
  const bob = truth(box(200, 0, 300, 100), 96, 'Bob');
  const cy = truth(box(400, 0, 440, 40), 40, 'Cy');
  const stranger = truth(box(600, 0, 660, 60), 48, null);
  const missed = truth(box(800, 0, 850, 50), 48, 'Dee');

  const evaluation = evaluateFrame('standard', [ada, bob, cy, stranger, missed], [
    detected(box(2, 2, 100, 100), 'Ada'), // found, right person
    detected(box(200, 0, 300, 100), 'Cy'), // found, wrong person
    detected(box(400, 0, 440, 40), null, false), // found, failed the quality gate
    detected(box(600, 0, 660, 60), 'Ada'), // a stranger taken for somebody
    detected(box(800, 0, 820, 50)), // overlaps Dee at IoU 0.4 exactly: found
    detected(box(1000, 500, 1040, 540)), // background
    detected(box(2, 2, 40, 40)), // inside Ada's box, IoU 0.14: near a face
  ]);

  it('tells found, identified and misidentified faces apart', () => {
    expect(evaluation.faces).toEqual([
      { bucket: 96, inGallery: true, found: true, iou: 0.9604, embedded: true, identified: true, misidentified: false, nearMiss: false },
      { bucket: 96, inGallery: true, found: true, iou: 1, embedded: true, identified: false, misidentified: true, nearMiss: false },
      { bucket: 40, inGallery: true, found: true, iou: 1, embedded: false, identified: false, misidentified: false, nearMiss: false },
      { bucket: 48, inGallery: false, found: true, iou: 1, embedded: true, identified: false, misidentified: true, nearMiss: false },
      { bucket: 48, inGallery: true, found: true, iou: 0.4, embedded: false, identified: false, misidentified: false, nearMiss: false },
    ]);
  });

  it('counts unmatched detections as false positives, and says which ones lie on a face', () => {
    expect(evaluation).toMatchObject({ kind: 'standard', falsePositives: 2, falsePositivesNearFaces: 1 });
  });

  it('marks a missed face as a near miss when a detection overlaps it at lower IoU', () => {
    const face = truth(box(0, 0, 100, 100), 96, 'Ada');
    const shifted = evaluateFrame('group', [face], [detected(box(50, 50, 150, 150))]); // IoU 0.14
    expect(shifted.faces[0]).toMatchObject({ found: false, iou: null, nearMiss: true, identified: false });
    expect(shifted).toMatchObject({ falsePositives: 1, falsePositivesNearFaces: 1 });
    const nothing = evaluateFrame('group', [face], []);
    expect(nothing.faces[0]).toMatchObject({ found: false, nearMiss: false, embedded: false });
    expect(nothing.falsePositives).toBe(0);
  });
});

describe('tallyFaces and summariseScenes', () => {
  const outcome = (bucket: number, found: boolean, identified = false, inGallery = true, iou = 0.7): FaceOutcome => ({
    bucket,
    inGallery,
    found,
    iou: found ? iou : null,
    embedded: found,
    identified,
    misidentified: found && !identified,
    nearMiss: false,
  });

  it('has no rates without faces', () => {
    expect(tallyFaces([])).toEqual({
      faces: 0,
      found: 0,
      recall: null,
      iouMedian: null,
      iouP10: null,
      nearMisses: 0,
      embedded: 0,
      galleryFaces: 0,
      identified: 0,
      misidentified: 0,
      identification: null,
      identificationOfFound: null,
    });
  });

  it('computes recall over all faces and identification over gallery faces and over found gallery faces', () => {
    const faces = [outcome(48, true, true), outcome(48, true, false), outcome(48, false), outcome(48, true, false, false)];
    expect(tallyFaces(faces)).toMatchObject({ faces: 4, found: 3, recall: 0.75, galleryFaces: 3, identified: 1, misidentified: 2, embedded: 3 });
    expect(tallyFaces(faces).identification).toBeCloseTo(1 / 3, 10);
    expect(tallyFaces(faces).identificationOfFound).toBe(0.5);
  });

  it('reports the median and 10th percentile IoU of found faces only', () => {
    const ious = [0.9, 0.5, 0.7, 0.6, 0.8, 0.65, 0.75, 0.85, 0.55, 0.95, 0.45];
    const faces = [...ious.map((iou) => outcome(64, true, true, true, iou)), outcome(64, false)];
    expect(tallyFaces(faces)).toMatchObject({ iouMedian: 0.7, iouP10: 0.5 });
  });

  it('takes nearest-rank percentiles', () => {
    expect(nearestRank([], 50)).toBeNull();
    expect(nearestRank([3, 1, 2], 50)).toBe(2);
    expect(nearestRank([3, 1, 2], 0)).toBe(1);
    expect(nearestRank([3, 1, 2], 100)).toBe(3);
    expect(nearestRank([1, 2, 3, 4], 50)).toBe(2);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10)).toBe(1);
  });

  it('summarises per bucket (smallest first), at-least rows, per kind and false positives per frame', () => {
    const frames: FrameEvaluation[] = [
      { kind: 'standard', faces: [outcome(96, true, true), outcome(24, false)], falsePositives: 1, falsePositivesNearFaces: 1 },
      { kind: 'group', faces: [outcome(64, true, true), outcome(64, true, false)], falsePositives: 0, falsePositivesNearFaces: 0 },
      { kind: 'standard', faces: [outcome(48, true, false), outcome(24, true, true)], falsePositives: 2, falsePositivesNearFaces: 0 },
    ];
    const summary = summariseScenes(frames, [48, 64]);
    expect(summary.frames).toBe(3);
    expect(summary.buckets.map((b) => [b.bucket, b.faces, b.found])).toEqual([
      [24, 2, 1],
      [48, 1, 1],
      [64, 2, 2],
      [96, 1, 1],
    ]);
    expect(summary.atLeast.map((r) => [r.minSize, r.faces, r.recall, r.identification])).toEqual([
      [48, 4, 1, 0.5],
      [64, 3, 1, 2 / 3],
    ]);
    expect(summary.all).toMatchObject({ faces: 6, found: 5, identified: 3 });
    expect(summary.falsePositives).toEqual({ frames: 3, total: 3, perFrame: 1, nearFaces: 1, elsewhere: 2 });
    expect(summary.kinds.map((k) => [k.kind, k.faces.faces, k.falsePositives.perFrame])).toEqual([
      ['standard', 4, 1.5],
      ['group', 2, 0],
    ]);
  });

  it('reports no false-positive rate without frames', () => {
    expect(summariseScenes([], [48])).toMatchObject({ frames: 0, buckets: [], falsePositives: { perFrame: null, total: 0 } });
  });
});
