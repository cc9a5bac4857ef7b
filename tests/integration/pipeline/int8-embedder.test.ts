import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cosineSimilarity, type Embedding } from '../../../src/domain/embedding';
import { loadConfig } from '../../../src/infrastructure/config/config';
import { detectionSettings } from '../../../src/composition/pipeline';
import { loadModelSet, ModelSetError } from '../../../src/infrastructure/onnx/model-set';
import { DISSIMILAR_PEOPLE, PORTRAIT_IDS, readPortrait } from '../../support/portraits';
import { analysisOf, OPEN_QUALITY_GATE, startPipeline } from '../../support/pipeline';

/**
 * EMBEDDER_PRECISION=int8 runs the provisioned int8 QDQ form of the embedder
 * (adr/0011). Its accuracy is measured by `facerec eval lfw` and
 * scripts/compare-embedders.mjs; this checks that it is the int8 file that
 * runs and that it still tells people apart.
 */
describe('int8 embedder', () => {
  const embeddingsWith = async (precision: 'f32' | 'int8', ids: readonly string[]): Promise<Embedding[]> => {
    const pipeline = await startPipeline({ EMBEDDER_PRECISION: precision, ...OPEN_QUALITY_GATE });
    try {
      const analyses = (await pipeline.analyze.execute(ids.map(readPortrait))).map(analysisOf);
      const embeddings = analyses.map((analysis) => {
        expect(analysis.faces).toHaveLength(1);
        return analysis.faces[0]!.embedding as Embedding;
      });
      return embeddings;
    } finally {
      await pipeline.release();
    }
  };

  it('gives embeddings close to the float embedder on every portrait, and keeps different people apart', async () => {
    const f32 = await embeddingsWith('f32', PORTRAIT_IDS);
    const int8 = await embeddingsWith('int8', PORTRAIT_IDS);
    const agreement = f32.map((e, i) => cosineSimilarity(e, int8[i] as Embedding));
    // Not identical (it is another model file), but the same identity vector: adr/0011 measured a median of about 0.99.
    for (const cosine of agreement) {
      expect(cosine).toBeGreaterThan(0.95);
      expect(cosine).toBeLessThan(0.99999);
    }
    const dissimilar = DISSIMILAR_PEOPLE.map((id) => int8[PORTRAIT_IDS.indexOf(id)] as Embedding);
    for (let a = 0; a < dissimilar.length; a += 1) {
      for (let b = a + 1; b < dissimilar.length; b += 1) expect(cosineSimilarity(dissimilar[a]!, dissimilar[b]!)).toBeLessThan(0.276);
    }
  });

  it('names the int8 embedder in the model version, and a set without one fails at load with the way out', async () => {
    const config = loadConfig({});
    const settings = { executionProvider: 'cpu' as const, intraOpThreads: 1, interOpThreads: 1, graphOptimization: 'extended' as const, workers: 1 };
    const quiet = { info: () => undefined, warn: () => undefined };
    const set = await loadModelSet(config.MODEL_DIR, { ...settings, embedderPrecision: 'int8' }, detectionSettings(config), quiet);
    try {
      expect(set.version).toMatch(/\+int8-embedder$/);
    } finally {
      await set.release();
    }

    const dir = mkdtempSync(join(tmpdir(), 'no-int8-'));
    try {
      const manifest = JSON.parse(readFileSync(join(config.MODEL_DIR, 'manifest.json'), 'utf8')) as { embedder: Record<string, unknown> };
      delete manifest.embedder.int8File;
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      for (const file of ['fr_detect.onnx', 'fr_landmark.onnx', 'fr_feature.onnx']) symlinkSync(join(config.MODEL_DIR, file), join(dir, file));
      await expect(loadModelSet(dir, { ...settings, embedderPrecision: 'int8' }, detectionSettings(config), quiet)).rejects.toThrow(ModelSetError);
      await expect(loadModelSet(dir, { ...settings, embedderPrecision: 'int8' }, detectionSettings(config), quiet)).rejects.toThrow(/EMBEDDER_PRECISION=f32/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
