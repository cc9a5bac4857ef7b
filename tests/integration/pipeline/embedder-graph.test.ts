import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import sharp from 'sharp';
import type { RgbImage } from '../../../src/domain/image';
import { packIntoTensor, type PixelNormalisation } from '../../../src/infrastructure/imaging/tensor-packing';
import { PORTRAIT_IDS, readPortrait, REPO_ROOT } from '../../support/portraits';

/**
 * Provisioning rewrites the embedder's PRelus into vectorised operators
 * (adr/0012). This checks the provisioned files against the network as
 * published on npm: no PRelu is left, and the float file computes the same
 * embeddings as the published one, on real faces.
 */
const MODEL_DIR = join(REPO_ROOT, 'models', 'default');
const SIZE = 112;
/** Rounding of slope·x + (1 − slope)·x against x, carried through 50 convolutions: measured below 1e-6. */
const TOLERANCE = 1e-5;

const opTypes = (file: string): Set<string> =>
  new Set((onnx.ModelProto.decode(readFileSync(join(MODEL_DIR, file))).graph?.node ?? []).map((n) => n.opType ?? ''));

/** The embedder exactly as the npm package ships it (batch 1), from the tarball provisioning cached. */
function publishedEmbedder(): Buffer {
  const cache = resolve(REPO_ROOT, process.env.MODEL_CACHE_DIR ?? '.cache/npm-assets');
  const work = mkdtempSync(join(tmpdir(), 'published-embedder-'));
  try {
    execFileSync('tar', ['-xzf', join(cache, 'faceplugin-face-recognition-js-0.0.1.tgz'), '-C', work, 'package/model/fr_feature.onnx']);
    return readFileSync(join(work, 'package', 'model', 'fr_feature.onnx'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A portrait scaled to the embedder's input size, as decoded RGB. */
async function embedderSized(id: string): Promise<RgbImage> {
  const { data } = await sharp(readPortrait(id)).resize(SIZE, SIZE, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: SIZE, height: SIZE, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

describe('provisioned embedder graph', () => {
  it('has no PRelu left in the float or the int8 file', () => {
    for (const file of ['fr_feature.onnx', 'fr_feature.int8.onnx']) {
      const ops = opTypes(file);
      expect(ops.has('PRelu')).toBe(false);
      expect(ops.has('Relu')).toBe(true);
    }
  });

  it('gives the embeddings of the published network, batched, on real faces', async () => {
    const faces = await Promise.all(PORTRAIT_IDS.map(embedderSized));
    // Normalised as the service packs the embedder's input, with the manifest's mean and std.
    const { embedder } = JSON.parse(readFileSync(join(MODEL_DIR, 'manifest.json'), 'utf8')) as { embedder: PixelNormalisation };
    const perFace = 3 * SIZE * SIZE;
    const batch = new Float32Array(faces.length * perFace);
    faces.forEach((face, i) => packIntoTensor(face, embedder, batch, i));
    const options = { graphOptimizationLevel: 'all' as const, intraOpNumThreads: 1, interOpNumThreads: 1 };
    const published = await ort.InferenceSession.create(publishedEmbedder(), options);
    const provisioned = await ort.InferenceSession.create(join(MODEL_DIR, 'fr_feature.onnx'), options);
    try {
      const batched = await provisioned.run({ [provisioned.inputNames[0]!]: new ort.Tensor('float32', batch, [faces.length, 3, SIZE, SIZE]) });
      const embeddings = batched[provisioned.outputNames[0]!]!.data as Float32Array;
      const width = embeddings.length / faces.length;
      expect(width).toBe(512);
      let largest = 0;
      for (let i = 0; i < faces.length; i += 1) {
        const input = batch.slice(i * perFace, (i + 1) * perFace);
        const one = await published.run({ [published.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, SIZE, SIZE]) });
        const expected = one[published.outputNames[0]!]!.data as Float32Array;
        for (let k = 0; k < width; k += 1) largest = Math.max(largest, Math.abs((embeddings[i * width + k] as number) - (expected[k] as number)));
      }
      expect(largest).toBeLessThan(TOLERANCE);
    } finally {
      await Promise.all([published.release(), provisioned.release()]);
    }
  });
});
