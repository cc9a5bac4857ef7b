// Aligned 112×112 face crops exactly as the service makes them (its own
// detector, landmarks and alignment warp, from dist/), for the scripts that
// calibrate and compare embedders. Needs `npm run build`.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));
const { loadModelSet } = require(join(root, 'dist', 'infrastructure', 'onnx', 'model-set.js'));
const { packIntoTensor } = require(join(root, 'dist', 'infrastructure', 'imaging', 'tensor-packing.js'));

/** The service's defaults (README): DETECTION_SIZE 1280 on CPU, DETECTION_THRESHOLD 0.7, NMS 0.4. */
const DETECTION = { scoreThreshold: 0.7, nmsIouThreshold: 0.4, maxFacesPerImage: 64, maxSide: 1280, tiles: false, tileOverlap: 128 };

const quietLogger = { info() {}, warn() {} };

/** Loads the model set of `modelDir` on one single-threaded worker. Call release() when done. */
export function loadPipeline(modelDir) {
  return loadModelSet(
    modelDir,
    { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1, graphOptimization: 'extended', workers: 1 },
    DETECTION,
    quietLogger,
  );
}

/** Every face the service would embed in `images` (decoded RGB), as aligned crops. */
export async function alignedFaces(modelSet, images) {
  const detections = await modelSet.detector.detect(images);
  const located = detections.flatMap((faces, imageIndex) => faces.map((face) => ({ image: images[imageIndex], box: face.box, landmarks: face.landmarks })));
  if (located.length === 0) return [];
  const missing = located.filter((f) => !f.landmarks);
  const found = missing.length > 0 ? await modelSet.landmarks.locate(missing.map(({ image, box }) => ({ image, box }))) : [];
  missing.forEach((face, i) => {
    face.landmarks = found[i];
  });
  return modelSet.aligner.align(located.map(({ image, landmarks }) => ({ image, landmarks })));
}

/** The embedder's NCHW float input for `crops`, normalised as the manifest says. */
export function embedderInput(crops, spec) {
  const plane = spec.width * spec.height;
  const input = new Float32Array(crops.length * 3 * plane);
  crops.forEach((crop, index) => packIntoTensor(crop, spec, input, index));
  return input;
}
