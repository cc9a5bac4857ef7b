/** Checks one face in the public JSON form (src/domain/face-json.ts): box, score, 5 landmarks, quality. */
export function expectFaceJson(face: Record<string, unknown>): void {
  expect(face.box).toEqual([expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)]);
  expect(face.score).toEqual(expect.any(Number));
  expect(face.score as number).toBeGreaterThanOrEqual(0);
  expect(face.score as number).toBeLessThanOrEqual(1);
  expect(face.landmarks).toHaveLength(5);
  for (const point of face.landmarks as unknown[]) expect(point).toEqual([expect.any(Number), expect.any(Number)]);
  expect(face.quality).toEqual(
    expect.objectContaining({
      passed: expect.any(Boolean),
      reason: expect.stringMatching(/^(ok|too_small|too_blurry|extreme_pose)$/),
      face_size: expect.any(Number),
      sharpness: expect.any(Number),
      yaw: expect.any(Number),
      roll: expect.any(Number),
    }),
  );
}
