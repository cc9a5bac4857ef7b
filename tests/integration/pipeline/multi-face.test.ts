import { cosineSimilarity } from '../../../src/domain/embedding';
import type { AnalyzedFace } from '../../../src/domain/face';
import { boxCenter, type BoundingBox } from '../../../src/domain/geometry';
import { groupPhoto, portraitTile, type GroupPhoto } from '../../support/images';
import { analysisOf, startPipeline, type Pipeline } from '../../support/pipeline';
import { DISSIMILAR_PEOPLE, readPortrait } from '../../support/portraits';

/** Six different people, one portrait each. */
const PEOPLE = DISSIMILAR_PEOPLE;

const inside = (p: { x: number; y: number }, box: BoundingBox): boolean => p.x >= box.x1 && p.x < box.x2 && p.y >= box.y1 && p.y < box.y2;

describe('AnalyzeFaces on group photos tiled from portraits', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline();
  });

  afterAll(async () => {
    await pipeline?.release();
  });

  const build = async (count: number, cols: number, tile: number, gap: number): Promise<GroupPhoto> => {
    const portraits = await Promise.all(PEOPLE.slice(0, count).map((person) => portraitTile(readPortrait(person), tile)));
    return groupPhoto(portraits, cols, tile, gap);
  };

  /** Every tile holds exactly one detected face, with its landmarks inside the tile too. */
  const expectOneFacePerTile = (faces: readonly AnalyzedFace[], photo: GroupPhoto): void => {
    expect(faces).toHaveLength(photo.tiles.length);
    const facesPerTile = photo.tiles.map((tile) => faces.filter((face) => inside(boxCenter(face.box), tile)));
    facesPerTile.forEach((found, i) => {
      expect({ tile: i, faces: found.length }).toEqual({ tile: i, faces: 1 });
      const face = found[0] as AnalyzedFace;
      for (const point of face.landmarks) expect(inside(point, photo.tiles[i] as BoundingBox)).toBe(true);
      expect(face.score).toBeGreaterThan(pipeline.config.DETECTION_THRESHOLD);
    });
  };

  it.each([
    ['2×2 grid with gaps', 4, 2, 170, 20],
    ['3×2 grid with gaps', 6, 3, 170, 20],
    ['3×2 grid, tiles touching', 6, 3, 170, 0],
    ['2×2 grid of large tiles', 4, 2, 250, 0],
    ['3×2 grid of small tiles', 6, 3, 120, 10],
  ])('finds every face of a %s, one per tile', async (_name, count, cols, tile, gap) => {
    const photo = await build(count, cols, tile, gap);
    const [outcome] = await pipeline.analyze.execute([photo.image]);
    const analysis = analysisOf(outcome);
    expect(analysis).toMatchObject({ width: photo.width, height: photo.height });
    expectOneFacePerTile(analysis.faces, photo);
  });

  it('gives each face of a group its own identity: embeddings of different people are dissimilar', async () => {
    const photo = await build(6, 3, 170, 20);
    const analysis = analysisOf((await pipeline.analyze.execute([photo.image]))[0]);
    const embeddings = analysis.faces.map((face) => face.embedding);
    expect(embeddings.every((e) => e !== undefined)).toBe(true);
    for (let i = 0; i < embeddings.length; i += 1) {
      for (let j = i + 1; j < embeddings.length; j += 1) {
        expect(cosineSimilarity(embeddings[i] as Float32Array, embeddings[j] as Float32Array)).toBeLessThan(pipeline.config.MATCH_THRESHOLD);
      }
    }
  });

  it('reports faces per image when group photos and portraits share a batch', async () => {
    const four = await build(4, 2, 170, 20);
    const six = await build(6, 3, 120, 10);
    const portrait = readPortrait('sample3-a');
    const outcomes = await pipeline.analyze.execute([four.image, portrait, six.image]);
    expectOneFacePerTile(analysisOf(outcomes[0]).faces, four);
    expect(analysisOf(outcomes[1]).faces.length).toBeGreaterThanOrEqual(1);
    expectOneFacePerTile(analysisOf(outcomes[2]).faces, six);
  });
});
