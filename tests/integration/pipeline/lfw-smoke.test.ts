import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImagePair } from '../../../src/application/ports/verification-dataset';
import { mostCentralFace } from '../../../src/domain/detection';
import { cosineSimilarity, type Embedding } from '../../../src/domain/embedding';
import { accuracyAt, type ScoredPair } from '../../../src/domain/verification-protocol';
import { loadConfig } from '../../../src/infrastructure/config/config';
import { parseLfwPairs } from '../../../src/infrastructure/datasets/lfw-dataset';
import { describeLfw, LFW_DIR } from '../../support/lfw';
import { OPEN_QUALITY_GATE, startPipeline, type Pipeline } from '../../support/pipeline';

const BATCH = 16;

/**
 * Fold 1 of LFW View 2 (300 matched + 300 mismatched pairs) through the
 * production pipeline, scored at the service's default MATCH_THRESHOLD: a
 * regression guard on the whole chain (decode, detection, landmarks,
 * alignment, embedding) and on the calibrated threshold.
 */
describeLfw('LFW smoke test: fold 1 at the default threshold', () => {
  let pipeline: Pipeline;
  let pairs: ImagePair[];
  const embeddings = new Map<string, Embedding | null>();

  beforeAll(async () => {
    const folds = parseLfwPairs(await readFile(join(LFW_DIR, 'pairs.txt'), 'utf8'));
    pairs = folds[0] as ImagePair[];
    // The quality gate is opened as `facerec eval lfw` opens it: every pair must be scored.
    pipeline = await startPipeline(OPEN_QUALITY_GATE);

    const ids = [...new Set(pairs.flatMap((p) => [p.first, p.second]))];
    for (let start = 0; start < ids.length; start += BATCH) {
      const batch = ids.slice(start, start + BATCH);
      const outcomes = await pipeline.analyze.execute(await Promise.all(batch.map((id) => readFile(join(LFW_DIR, id)))));
      outcomes.forEach((outcome, i) => {
        const subject = outcome.ok ? mostCentralFace(outcome.value.faces, outcome.value.width, outcome.value.height) : undefined;
        embeddings.set(batch[i] as string, subject?.embedding ?? null);
      });
    }
  }, 600_000);

  afterAll(async () => {
    await pipeline?.release();
  });

  it('is fold 1: 300 matched pairs then 300 mismatched pairs', () => {
    expect(pairs).toHaveLength(600);
    expect(pairs.slice(0, 300).every((p) => p.same)).toBe(true);
    expect(pairs.slice(300).every((p) => !p.same)).toBe(true);
  });

  it('finds and embeds a face in (nearly) every image', () => {
    const missing = [...embeddings].filter(([, e]) => e === null).map(([id]) => id);
    expect(missing.length).toBeLessThanOrEqual(Math.ceil(embeddings.size * 0.01));
    for (const embedding of embeddings.values()) if (embedding) expect(embedding).toHaveLength(512);
  });

  it('reaches at least 97% accuracy at the configured default MATCH_THRESHOLD', () => {
    const threshold = loadConfig({}).MATCH_THRESHOLD;
    const scored: ScoredPair[] = pairs.map((pair) => {
      const a = embeddings.get(pair.first);
      const b = embeddings.get(pair.second);
      // A pair with an image without a face cannot be verified: it counts as "different", as in the evaluation.
      return { similarity: a && b ? cosineSimilarity(a, b) : -1, same: pair.same };
    });
    const accuracy = accuracyAt(scored, threshold);
    const matched = accuracyAt(scored.slice(0, 300), threshold);
    const mismatched = accuracyAt(scored.slice(300), threshold);
    console.info(
      `LFW fold 1 at threshold ${threshold}: accuracy ${(accuracy * 100).toFixed(2)}% ` +
        `(same-person pairs ${(matched * 100).toFixed(1)}%, different-person pairs ${(mismatched * 100).toFixed(1)}%)`,
    );
    expect(accuracy).toBeGreaterThanOrEqual(0.97);
    // Neither half may carry the other: the threshold must work for both kinds of pair.
    expect(matched).toBeGreaterThanOrEqual(0.94);
    expect(mismatched).toBeGreaterThanOrEqual(0.94);
  });
});
