import { type FaceDetection, mostCentralFace, nonMaximumSuppression } from '../../../src/domain/detection';

const face = (x1: number, y1: number, x2: number, y2: number, score: number): FaceDetection => ({ box: { x1, y1, x2, y2 }, score });

describe('nonMaximumSuppression', () => {
  it('keeps the best of overlapping boxes and every box that does not overlap', () => {
    const weaker = face(12, 10, 112, 110, 0.8); // IoU with best ≈ 0.92
    const best = face(10, 10, 110, 110, 0.95);
    const elsewhere = face(300, 300, 380, 380, 0.6);
    const weakest = face(8, 12, 108, 112, 0.7);
    expect(nonMaximumSuppression([weaker, elsewhere, best, weakest], 0.4)).toEqual([best, elsewhere]);
  });

  it('returns detections best first', () => {
    const detections = [face(0, 0, 10, 10, 0.2), face(20, 0, 30, 10, 0.9), face(40, 0, 50, 10, 0.5)];
    expect(nonMaximumSuppression(detections, 0.5).map((d) => d.score)).toEqual([0.9, 0.5, 0.2]);
  });

  it('drops a box only when its overlap is strictly above the threshold', () => {
    const a = face(0, 0, 10, 10, 0.9);
    const b = face(5, 0, 15, 10, 0.8); // IoU = 50 / 150 = 1/3
    expect(nonMaximumSuppression([a, b], 1 / 3)).toEqual([a, b]);
    expect(nonMaximumSuppression([a, b], 0.33)).toEqual([a]);
  });

  it('suppresses relative to kept boxes only: a box dropped by the best does not suppress others', () => {
    const a = face(0, 0, 10, 10, 0.9);
    const b = face(4, 0, 14, 10, 0.8); // overlaps a (IoU 0.43) and c (IoU 0.43)
    const c = face(8, 0, 18, 10, 0.7); // IoU with a = 2/18 ≈ 0.11
    expect(nonMaximumSuppression([a, b, c], 0.3)).toEqual([a, c]);
  });

  it('returns at most maxDetections', () => {
    const detections = [face(0, 0, 10, 10, 0.5), face(20, 0, 30, 10, 0.9), face(40, 0, 50, 10, 0.7)];
    expect(nonMaximumSuppression(detections, 0.5, 2).map((d) => d.score)).toEqual([0.9, 0.7]);
    expect(nonMaximumSuppression(detections, 0.5, 0)).toEqual([]);
  });

  it('handles no detections and does not mutate its input', () => {
    expect(nonMaximumSuppression([], 0.5)).toEqual([]);
    const detections = [face(0, 0, 10, 10, 0.1), face(0, 0, 10, 10, 0.9)];
    const copy = [...detections];
    nonMaximumSuppression(detections, 0.5);
    expect(detections).toEqual(copy);
  });
});

describe('mostCentralFace', () => {
  it('is undefined without faces', () => {
    expect(mostCentralFace([], 250, 250)).toBeUndefined();
  });

  it('picks the face whose centre is nearest the image centre, whatever its score or order', () => {
    const edge = face(0, 0, 60, 60, 0.99);
    const centre = face(80, 90, 170, 180, 0.75); // centre (125, 135)
    const corner = face(190, 190, 250, 250, 0.9);
    expect(mostCentralFace([edge, centre, corner], 250, 250)).toBe(centre);
    expect(mostCentralFace([corner, edge, centre], 250, 250)).toBe(centre);
  });

  it('breaks a distance tie by the larger box, in either order', () => {
    const small = face(115, 115, 135, 135, 0.9);
    const large = face(75, 75, 175, 175, 0.8);
    expect(mostCentralFace([small, large], 250, 250)).toBe(large);
    expect(mostCentralFace([large, small], 250, 250)).toBe(large);
  });

  it('keeps the first of two identical candidates', () => {
    const first = face(100, 100, 150, 150, 0.9);
    const second = face(100, 100, 150, 150, 0.8);
    expect(mostCentralFace([first, second], 250, 250)).toBe(first);
  });

  it('uses the given image size (non-square image)', () => {
    const left = face(0, 0, 100, 100, 0.9); // centre (50, 50)
    const right = face(300, 0, 400, 100, 0.9); // centre (350, 50)
    expect(mostCentralFace([left, right], 800, 100)).toBe(right);
    expect(mostCentralFace([left, right], 100, 100)).toBe(left);
  });

  it('keeps the type of richer face objects', () => {
    const faces = [{ ...face(0, 0, 10, 10, 0.5), label: 'a' }];
    expect(mostCentralFace(faces, 10, 10)?.label).toBe('a');
  });
});
