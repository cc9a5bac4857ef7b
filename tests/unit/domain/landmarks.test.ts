import { InvalidLandmarksError } from '../../../src/domain/errors';
import type { Point } from '../../../src/domain/geometry';
import { mirrorImage, type RgbImage } from '../../../src/domain/image';
import { type FivePointLandmarks, fivePointsFromSixtyEight, landmarksToArray, mirrorLandmarks } from '../../../src/domain/landmarks';

/** 68 points with x = i² and y = 3i + 7: non-linear in i, so averaging the wrong indices shows. */
const sixtyEight: Point[] = Array.from({ length: 68 }, (_, i) => ({ x: i * i, y: 3 * i + 7 }));

describe('fivePointsFromSixtyEight', () => {
  it('averages the eyelid points for the eyes, takes point 30 for the nose, averages lip corners for the mouth', () => {
    const [leftEye, rightEye, nose, leftMouth, rightMouth] = fivePointsFromSixtyEight(sixtyEight);
    // mean of 37², 38², 40², 41² and of 3i + 7 over the same indices
    expect(leftEye).toEqual({ x: (1369 + 1444 + 1600 + 1681) / 4, y: 3 * 39 + 7 });
    // mean of 43², 44², 46², 47²
    expect(rightEye).toEqual({ x: (1849 + 1936 + 2116 + 2209) / 4, y: 3 * 45 + 7 });
    expect(nose).toEqual({ x: 900, y: 97 });
    // mean(48, 60) and mean(54, 64)
    expect(leftMouth).toEqual({ x: (2304 + 3600) / 2, y: 3 * 54 + 7 });
    expect(rightMouth).toEqual({ x: (2916 + 4096) / 2, y: 3 * 59 + 7 });
  });

  it('ignores the eye corners (36, 39, 42, 45)', () => {
    const moved = sixtyEight.map((p, i) => ([36, 39, 42, 45].includes(i) ? { x: -1e6, y: -1e6 } : p));
    expect(fivePointsFromSixtyEight(moved)).toEqual(fivePointsFromSixtyEight(sixtyEight));
  });

  it.each([0, 5, 67, 69, 98])('rejects %i points with a typed error', (count) => {
    const points = Array.from({ length: count }, () => ({ x: 0, y: 0 }));
    expect(() => fivePointsFromSixtyEight(points)).toThrow(InvalidLandmarksError);
    expect(() => fivePointsFromSixtyEight(points)).toThrow(`expected 68 landmarks, got ${count}`);
  });
});

describe('mirrorLandmarks', () => {
  const landmarks: FivePointLandmarks = [
    { x: 30, y: 40 },
    { x: 70, y: 42 },
    { x: 52, y: 60 },
    { x: 35, y: 80 },
    { x: 66, y: 81 },
  ];

  it('flips x inside the image and swaps left and right so that the order still reads image-left first', () => {
    expect(mirrorLandmarks(landmarks, 100)).toEqual([
      { x: 29, y: 42 },
      { x: 69, y: 40 },
      { x: 47, y: 60 },
      { x: 33, y: 81 },
      { x: 64, y: 80 },
    ]);
  });

  it('mirrored twice is the original', () => {
    expect(mirrorLandmarks(mirrorLandmarks(landmarks, 100), 100)).toEqual(landmarks);
  });

  it('agrees with mirrorImage: a marked pixel lands on the mirrored landmark', () => {
    const width = 100;
    const height = 100;
    const image: RgbImage = { width, height, data: new Uint8Array(width * height * 3) };
    landmarks.forEach((p, k) => image.data.fill(k + 1, (p.y * width + p.x) * 3, (p.y * width + p.x) * 3 + 3));
    const mirroredImage = mirrorImage(image);
    const mirrored = mirrorLandmarks(landmarks, width);
    // Left/right pairs swap, so left eye (mark 1) ends up as the mirrored right eye, and so on.
    const expectedMark = [2, 1, 3, 5, 4];
    mirrored.forEach((p, k) => expect(mirroredImage.data[(p.y * width + p.x) * 3]).toBe(expectedMark[k]));
  });
});

describe('landmarksToArray', () => {
  it('lists [x, y] pairs in order', () => {
    const landmarks: FivePointLandmarks = [
      { x: 1, y: 2 },
      { x: 3, y: 4 },
      { x: 5, y: 6 },
      { x: 7, y: 8 },
      { x: 9, y: 10 },
    ];
    expect(landmarksToArray(landmarks)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
      [9, 10],
    ]);
  });
});
