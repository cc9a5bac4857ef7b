import type { ImageAnalysis } from '../../../src/application/use-cases/analyze-faces';
import type { AnalyzedFace } from '../../../src/domain/face';
import { groupPhoto, portraitTile } from '../../support/images';
import { analysisOf, startPipeline, type Pipeline } from '../../support/pipeline';
import { MAX_CROPS_PER_CALL } from '../../../src/infrastructure/onnx/landmark68-locator';
import { PORTRAIT_IDS, readOtherPhoto, readPortrait } from '../../support/portraits';

/** A group photo of `people`'s portraits in one row, `tile` px each. */
const groupOf = async (people: readonly string[], tile: number): Promise<Buffer> =>
  (await groupPhoto(await Promise.all(people.map((person) => portraitTile(readPortrait(person), tile))), people.length, tile, 12)).image;

const TOLERANCE = 1e-5;

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
};

const faceNumbers = (face: AnalyzedFace): number[] => [
  face.box.x1,
  face.box.y1,
  face.box.x2,
  face.box.y2,
  face.score,
  ...face.landmarks.flatMap((p) => [p.x, p.y]),
];

/** Same faces in the same order, boxes, landmarks and embeddings within TOLERANCE, same quality verdicts. */
function expectSameAnalysis(batched: ImageAnalysis, single: ImageAnalysis): void {
  expect(batched.width).toBe(single.width);
  expect(batched.height).toBe(single.height);
  expect(batched.faces).toHaveLength(single.faces.length);
  batched.faces.forEach((face, i) => {
    const alone = single.faces[i] as AnalyzedFace;
    expect(maxAbsDiff(faceNumbers(face), faceNumbers(alone))).toBeLessThanOrEqual(TOLERANCE);
    expect(face.quality.reason).toBe(alone.quality.reason);
    expect(face.embedding === undefined).toBe(alone.embedding === undefined);
    if (face.embedding && alone.embedding) expect(maxAbsDiff(face.embedding, alone.embedding)).toBeLessThanOrEqual(TOLERANCE);
  });
}

describe('AnalyzeFaces: batched and one-by-one results agree', () => {
  let pipeline: Pipeline;
  let images: Buffer[];

  beforeAll(async () => {
    pipeline = await startPipeline();
    images = [
      readPortrait('sample1-a'),
      readPortrait('sample2-c'),
      // Two people, a different size from the rest.
      await groupOf(['sample4-d', 'sample5-b'], 150),
      readOtherPhoto('sample5-d'),
      // Three people, another size.
      await groupOf(['sample1-b', 'sample1-c', 'sample2-b'], 140),
      readPortrait('sample6-a'),
    ];
  });

  afterAll(async () => {
    await pipeline?.release();
  });

  it('6 images as one batch give what each gives alone, to 1e-5', async () => {
    const batched = (await pipeline.analyze.execute(images)).map(analysisOf);
    const single = await Promise.all(images.map(async (image) => analysisOf((await pipeline.analyze.execute([image]))[0])));
    // Several faces per image too, so that faces of different images share the landmark and embedder batches.
    expect(single.map((a) => a.faces.length)).toEqual([1, 1, 2, 1, 3, 1]);
    batched.forEach((analysis, i) => expectSameAnalysis(analysis, single[i] as ImageAnalysis));
  });

  it('a batch with more faces than one landmark call takes gives what each image gives alone', async () => {
    const rows = [PORTRAIT_IDS.slice(0, 6), PORTRAIT_IDS.slice(6, 12), PORTRAIT_IDS.slice(12, 18)];
    const crowded = await Promise.all(rows.map((people) => groupOf(people, 140)));
    const batched = (await pipeline.analyze.execute(crowded)).map(analysisOf);
    const single = await Promise.all(crowded.map(async (image) => analysisOf((await pipeline.analyze.execute([image]))[0])));
    expect(batched.reduce((n, a) => n + a.faces.length, 0)).toBeGreaterThan(MAX_CROPS_PER_CALL);
    batched.forEach((analysis, i) => expectSameAnalysis(analysis, single[i] as ImageAnalysis));
  });

  it('the order of images in a batch does not change their results', async () => {
    const forward = (await pipeline.analyze.execute(images)).map(analysisOf);
    const backward = (await pipeline.analyze.execute([...images].reverse())).map(analysisOf).reverse();
    forward.forEach((analysis, i) => expectSameAnalysis(analysis, backward[i] as ImageAnalysis));
  });

  it('the same image twice in a batch gets identical results', async () => {
    const [first, second] = (await pipeline.analyze.execute([images[0] as Buffer, images[0] as Buffer])).map(analysisOf);
    expectSameAnalysis(first as ImageAnalysis, second as ImageAnalysis);
  });
});
