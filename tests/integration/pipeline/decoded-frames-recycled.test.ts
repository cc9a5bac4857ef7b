import 'reflect-metadata';
import { TOKENS } from '../../../src/application/tokens';
import type { AnalyzeFaces } from '../../../src/application/use-cases/analyze-faces';
import { createContainer, releaseContainer } from '../../../src/composition/pipeline';
import { loadConfig } from '../../../src/infrastructure/config/config';
import type { SharpImageDecoder } from '../../../src/infrastructure/imaging/sharp-image-decoder';
import { analysisOf } from '../../support/pipeline';
import { readOtherPhoto, readPortrait } from '../../support/portraits';

/**
 * AnalyzeFaces hands its decoded frames back to the decoder once analysed,
 * and the next frames of the same size are decoded into the same shared
 * memory: the results must not depend on which buffer a frame landed in.
 */
describe('decoded frames are recycled', () => {
  it('hands every decoded frame back after its analysis, and frames decoded into reused memory give the same faces', async () => {
    const container = await createContainer(loadConfig({ LOG_LEVEL: 'warn' }));
    try {
      const analyze = container.get<AnalyzeFaces>(TOKENS.AnalyzeFaces);
      const decoder = container.get<SharpImageDecoder>(TOKENS.ImageDecoder);
      const photos = [readPortrait('sample1-a'), readPortrait('sample4-b')];
      const first = (await analyze.execute(photos)).map(analysisOf);
      // Both 250×250 frames wait for reuse.
      expect(decoder.pooledBytes).toBe(2 * 250 * 250 * 3);
      // Other pixels into the same buffers, then the first photos again.
      await analyze.execute([readOtherPhoto('sample5-b'), readOtherPhoto('sample6-d')]);
      expect(decoder.pooledBytes).toBe(2 * 250 * 250 * 3);
      const again = (await analyze.execute(photos)).map(analysisOf);
      expect(again.map((a) => a.faces.map((f) => [f.box, f.score, Array.from(f.embedding ?? [])]))).toEqual(
        first.map((a) => a.faces.map((f) => [f.box, f.score, Array.from(f.embedding ?? [])])),
      );
    } finally {
      await releaseContainer(container);
    }
  });
});
