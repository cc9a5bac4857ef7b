import 'reflect-metadata';
import type { LandmarkLocator } from '../../../src/application/ports/landmark-locator';
import { ARCFACE_CROP_SIZE, arcFaceAlignment, invertAffine } from '../../../src/domain/alignment';
import type { FivePointLandmarks } from '../../../src/domain/landmarks';
import { loadConfig } from '../../../src/infrastructure/config/config';
import { detectionSettings } from '../../../src/composition/pipeline';
import { warpAffine } from '../../../src/infrastructure/imaging/affine-warp';
import { SharpImageDecoder } from '../../../src/infrastructure/imaging/sharp-image-decoder';
import { loadModelSet, type LoadedModelSet } from '../../../src/infrastructure/onnx/model-set';
import { readPortrait } from '../../support/portraits';

const config = loadConfig({});

/** Realm-independent: buffers posted back by a worker come from Node's main realm, not the test's sandbox. */
const isShared = (bytes: Uint8Array): boolean => Object.prototype.toString.call(bytes.buffer) === '[object SharedArrayBuffer]';

describe('alignment on the inference worker pool', () => {
  let modelSet: LoadedModelSet;

  beforeAll(async () => {
    modelSet = await loadModelSet(
      config.MODEL_DIR,
      { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1, graphOptimization: 'extended', workers: 2 },
      detectionSettings(config),
      { info: () => undefined, warn: () => undefined },
    );
  });

  afterAll(async () => {
    await modelSet?.release();
  });

  it('cuts, split over two workers, the very crops the in-process warp cuts, in shared memory and in order', async () => {
    const decoder = new SharpImageDecoder({ maxPixels: config.MAX_IMAGE_PIXELS, minSide: config.MIN_IMAGE_SIDE });
    const people = ['sample1-a', 'sample2-c', 'sample3-c', 'sample5-e', 'sample6-b'];
    const decoded = await decoder.decode(people.map(readPortrait));
    const images = decoded.map((outcome) => {
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    });
    // Decoded pixels are shared with the workers rather than copied into each message.
    for (const image of images) expect(isShared(image.data)).toBe(true);

    const detections = await modelSet.detector.detect(images);
    const faces = detections.flatMap((found, i) => found.map((d) => ({ image: images[i]!, box: d.box })));
    expect(faces.length).toBeGreaterThanOrEqual(people.length);
    const landmarks: FivePointLandmarks[] = await (modelSet.landmarks as LandmarkLocator).locate(faces);
    const toAlign = faces.map((face, i) => ({ image: face.image, landmarks: landmarks[i]! }));

    const crops = await modelSet.aligner.align(toAlign);
    expect(crops).toHaveLength(toAlign.length);
    crops.forEach((crop, i) => {
      const { image, landmarks: points } = toAlign[i]!;
      const reference = warpAffine(image, invertAffine(arcFaceAlignment(points)), ARCFACE_CROP_SIZE, ARCFACE_CROP_SIZE);
      expect(crop.width).toBe(ARCFACE_CROP_SIZE);
      expect(crop.height).toBe(ARCFACE_CROP_SIZE);
      expect(isShared(crop.data)).toBe(true);
      expect(Buffer.from(crop.data).equals(Buffer.from(reference.data))).toBe(true);
    });
    await expect(modelSet.aligner.align([])).resolves.toEqual([]);
  });
});
