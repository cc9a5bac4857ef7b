import 'reflect-metadata';
import type { ImageAnalysis } from '../../../src/application/use-cases/analyze-faces';
import { cosineSimilarity } from '../../../src/domain/embedding';
import type { AnalyzedFace } from '../../../src/domain/face';
import { loadConfig } from '../../../src/infrastructure/config/config';
import { detectionSettings } from '../../../src/composition/pipeline';
import { AUTO_CANDIDATES } from '../../../src/infrastructure/onnx/inference-protocol';
import { loadModelSet, type LoadedModelSet } from '../../../src/infrastructure/onnx/model-set';
import { readPortrait } from '../../support/portraits';
import { analysisOf, startPipeline } from '../../support/pipeline';

const config = loadConfig({});
const quietLogger = { info: () => undefined, warn: () => undefined };
const detection = detectionSettings(config);

const loadWith = (graphOptimization: 'auto' | 'basic', workers: number): Promise<LoadedModelSet> =>
  loadModelSet(config.MODEL_DIR, { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1, graphOptimization, workers }, detection, quietLogger);

describe('ORT_GRAPH_OPTIMIZATION', () => {
  it('auto times every candidate level on each model and keeps the fastest, on every worker', async () => {
    const set = await loadWith('auto', 2);
    try {
      for (const model of set.models) {
        expect(model.levelTimings.map((t) => t.level)).toEqual([...AUTO_CANDIDATES]);
        for (const timing of model.levelTimings) expect(timing.seconds).toBeGreaterThan(0);
        const fastest = [...model.levelTimings].sort((a, b) => a.seconds - b.seconds)[0];
        expect(model.graphOptimization).toBe(fastest?.level);
        // Load time (probing included) is reported, not asserted: speed is the benchmark's job (facerec bench prints it).
        expect(model.loadSeconds).toBeGreaterThan(0);
      }
    } finally {
      await set.release();
    }
  });

  it('a fixed level is used as given, without probing', async () => {
    const set = await loadWith('basic', 1);
    try {
      for (const model of set.models) {
        expect(model.graphOptimization).toBe('basic');
        expect(model.levelTimings).toEqual([]);
      }
    } finally {
      await set.release();
    }
  });
});

describe('every graph optimisation level computes the same faces', () => {
  const faceNumbers = (face: AnalyzedFace): number[] => [face.box.x1, face.box.y1, face.box.x2, face.box.y2, face.score, ...face.landmarks.flatMap((p) => [p.x, p.y])];
  const maxAbsDiff = (a: readonly number[] | Float32Array, b: readonly number[] | Float32Array): number =>
    Array.from(a).reduce((max, value, i) => Math.max(max, Math.abs(value - (b[i] as number))), 0);

  // The float embedder: the int8 one's integer kernels round differently at each level (cosine about 0.993 between them, adr/0011).
  it.each([
    ['f32', 0.9999],
    ['int8', 0.99],
  ] as const)('extended and all agree to 1e-3 px on boxes and landmarks, and their %s embeddings to a cosine similarity above %s', async (precision, agreement) => {
    const images = [readPortrait('sample1-a'), readPortrait('sample4-b')];
    const analyses: ImageAnalysis[][] = [];
    for (const level of ['extended', 'all'] as const) {
      const pipeline = await startPipeline({ ORT_GRAPH_OPTIMIZATION: level, EMBEDDER_PRECISION: precision });
      try {
        analyses.push((await pipeline.analyze.execute(images)).map(analysisOf));
      } finally {
        await pipeline.release();
      }
    }
    const [extended, all] = analyses as [ImageAnalysis[], ImageAnalysis[]];
    extended.forEach((analysis, i) => {
      const other = all[i] as ImageAnalysis;
      expect(analysis.faces.length).toBeGreaterThan(0);
      expect(other.faces).toHaveLength(analysis.faces.length);
      analysis.faces.forEach((face, k) => {
        const twin = other.faces[k] as AnalyzedFace;
        // Pixels: the boxes are decoded from raw offsets scaled by priors of up to 256 px, so 1e-3 px.
        expect(maxAbsDiff(faceNumbers(face), faceNumbers(twin))).toBeLessThan(1e-3);
        expect(face.embedding).toBeDefined();
        // The crops move with the landmarks' last bits, so compare identities rather than bits: the same person, all but exactly.
        expect(cosineSimilarity(face.embedding as Float32Array, twin.embedding as Float32Array)).toBeGreaterThan(agreement);
      });
    });
  });
});
