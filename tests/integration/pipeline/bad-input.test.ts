import sharp, { type OutputInfo, type Sharp } from 'sharp';
import type { Outcome } from '../../../src/application/outcome';
import type { ImageAnalysis } from '../../../src/application/use-cases/analyze-faces';
import { cosineSimilarity } from '../../../src/domain/embedding';
import {
  FaceRecognitionError,
  ImageDecodeError,
  ImageTooLargeError,
  InvalidImageError,
} from '../../../src/domain/errors';
import type { AnalyzedFace } from '../../../src/domain/face';
import { intersectionOverUnion, type BoundingBox } from '../../../src/domain/geometry';
import { gradientJpeg, noisePng, pngDeclaring } from '../../support/images';
import { readPortrait } from '../../support/portraits';
import { analysisOf, startPipeline, type Pipeline } from '../../support/pipeline';

type ErrorClass = abstract new (...args: never[]) => FaceRecognitionError;

/** The outcome is a failure with this typed error, code and message. */
function expectFailure(outcome: Outcome<ImageAnalysis> | undefined, type: ErrorClass, code: string, message: RegExp): FaceRecognitionError {
  expect(outcome).toBeDefined();
  if (outcome === undefined || outcome.ok) throw new Error(`expected a ${code} failure, got ${JSON.stringify(outcome)}`);
  expect(outcome.error).toBeInstanceOf(type);
  expect(outcome.error.code).toBe(code);
  expect(outcome.error.message).toMatch(message);
  return outcome.error;
}

const onlyFace = (analysis: ImageAnalysis): AnalyzedFace => {
  expect(analysis.faces).toHaveLength(1);
  return analysis.faces[0] as AnalyzedFace;
};

const expectBoxNear = (actual: BoundingBox, expected: BoundingBox, pixels: number): void => {
  for (const key of ['x1', 'y1', 'x2', 'y2'] as const) expect(Math.abs(actual[key] - expected[key])).toBeLessThanOrEqual(pixels);
};

describe('AnalyzeFaces with bad or unusual images', () => {
  let pipeline: Pipeline;
  const analyzeOne = async (bytes: Uint8Array): Promise<Outcome<ImageAnalysis> | undefined> => (await pipeline.analyze.execute([bytes]))[0];

  beforeAll(async () => {
    pipeline = await startPipeline();
  });

  afterAll(async () => {
    await pipeline?.release();
  });

  it('rejects an empty buffer as undecodable', async () => {
    const error = expectFailure(await analyzeOne(new Uint8Array(0)), ImageDecodeError, 'image_decode_error', /^image is empty \(0 bytes\)$/);
    expect(error.context).toEqual({ bytes: 0 });
  });

  it("rejects a text file's bytes as undecodable, naming the decoder's reason", async () => {
    const text = Buffer.from('name,similarity\nAda,0.93\n', 'utf8');
    const error = expectFailure(await analyzeOne(text), ImageDecodeError, 'image_decode_error', /^cannot decode image: .*unsupported image format/);
    expect(error.context).toEqual({ bytes: text.length });
  });

  it('rejects a 1×1 PNG as too small to analyse', async () => {
    const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 200, g: 10, b: 10 } } }).png().toBuffer();
    const error = expectFailure(await analyzeOne(tiny), InvalidImageError, 'invalid_image', /^image is 1×1; the smaller side must be at least 16 px$/);
    expect(error.context).toEqual({ width: 1, height: 1 });
  });

  it('rejects a PNG declaring 20000×20000 from its header, without decoding 1.2 GB of pixels', async () => {
    const bomb = pngDeclaring(20_000, 20_000);
    expect(bomb.length).toBeLessThan(1024);
    const before = process.memoryUsage().rss;
    const error = expectFailure(await analyzeOne(bomb), ImageTooLargeError, 'image_too_large', new RegExp(`exceeds the limit of ${pipeline.config.MAX_IMAGE_PIXELS} pixels`));
    // A coarse guard: decoding would need 20000 × 20000 × 3 bytes.
    expect(process.memoryUsage().rss - before).toBeLessThan(400 * 1024 * 1024);
    expect(error.context).toEqual({ bytes: bomb.length, maxPixels: pipeline.config.MAX_IMAGE_PIXELS });
  }, 15_000);

  it('lets a PNG header just under the pixel limit through, to fail later as the truncated file it is', async () => {
    // 6000 × 6000 = 36 M pixels passes the header check; the pixel data then runs out after one row.
    expectFailure(await analyzeOne(pngDeclaring(6_000, 6_000)), ImageDecodeError, 'image_decode_error', /^cannot decode image: /);
  });

  it.each([
    ['deterministic noise', () => noisePng(300, 300)],
    ['a colour gradient', () => gradientJpeg(300, 300)],
  ])('finds no face, without failing, in %s', async (_name, build) => {
    const analysis = analysisOf(await analyzeOne(await build()));
    expect(analysis).toEqual({ width: 300, height: 300, faces: [] });
  });

  describe('built from a portrait', () => {
    let photo: Buffer;
    let reference: AnalyzedFace;

    beforeAll(async () => {
      photo = readPortrait('sample5-a');
      reference = onlyFace(analysisOf(await analyzeOne(photo)));
      expect(reference.quality.passed).toBe(true);
    });

    it('rejects a truncated JPEG (its first half) as undecodable', async () => {
      const truncated = photo.subarray(0, Math.floor(photo.length / 2));
      const error = expectFailure(await analyzeOne(truncated), ImageDecodeError, 'image_decode_error', /^cannot decode image: .*(premature end|truncated)/i);
      expect(error.context).toEqual({ bytes: truncated.length });
      expect(error.cause).toBeInstanceOf(Error);
    });

    it('decodes a CMYK JPEG to RGB and still finds and recognises the face', async () => {
      const cmyk = await sharp(photo).toColourspace('cmyk').jpeg().toBuffer();
      expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
      const analysis = analysisOf(await analyzeOne(cmyk));
      expect(analysis).toMatchObject({ width: 250, height: 250 });
      const face = onlyFace(analysis);
      expect(intersectionOverUnion(face.box, reference.box)).toBeGreaterThan(0.8);
      // Wrongly converted colours (e.g. inverted CMYK) would not look like the same person.
      expect(cosineSimilarity(face.embedding as Float32Array, reference.embedding as Float32Array)).toBeGreaterThan(pipeline.config.MATCH_THRESHOLD);
    });

    it('drops the alpha channel of a translucent PNG and finds the same face', async () => {
      const translucent = await sharp(photo).ensureAlpha(0.5).png().toBuffer();
      expect((await sharp(translucent).metadata()).hasAlpha).toBe(true);
      const face = onlyFace(analysisOf(await analyzeOne(translucent)));
      expectBoxNear(face.box, reference.box, 1);
      expect(cosineSimilarity(face.embedding as Float32Array, reference.embedding as Float32Array)).toBeGreaterThan(0.99);
    });

    it.each([
      // Dropping the colour changes what the detector sees a little more than re-encoding does.
      ['a greyscale JPEG', (image: Sharp) => image.greyscale().jpeg(), 0.7],
      ['a 16-bit PNG', (image: Sharp) => image.toColourspace('rgb16').png(), 0.8],
      ['a WebP', (image: Sharp) => image.webp({ quality: 90 }), 0.8],
    ])('decodes %s to 8-bit RGB and finds the same face', async (_name, encode, minIou) => {
      const analysis = analysisOf(await analyzeOne(await encode(sharp(photo)).toBuffer()));
      expect(analysis).toMatchObject({ width: 250, height: 250 });
      const face = onlyFace(analysis);
      expect(intersectionOverUnion(face.box, reference.box)).toBeGreaterThan(minIou);
      expect(cosineSimilarity(face.embedding as Float32Array, reference.embedding as Float32Array)).toBeGreaterThan(pipeline.config.MATCH_THRESHOLD);
    });

    describe('EXIF orientation', () => {
      // An upright portrait that is not square (250×320), so that a missed rotation shows in the size.
      let upright: { data: Buffer; info: OutputInfo };
      let uprightFace: AnalyzedFace;
      const raw = (): Sharp => sharp(upright.data, { raw: { width: upright.info.width, height: upright.info.height, channels: 3 } });

      beforeAll(async () => {
        upright = await sharp(photo).extend({ bottom: 70, background: { r: 0, g: 0, b: 0 } }).raw().toBuffer({ resolveWithObject: true });
        const analysis = analysisOf(await analyzeOne(await raw().jpeg({ quality: 95 }).toBuffer()));
        expect(analysis).toMatchObject({ width: 250, height: 320 });
        uprightFace = onlyFace(analysis);
      });

      it.each([
        // Orientation 6: stored turned 90° counter-clockwise, shown after turning 90° clockwise.
        [6, 270],
        // Orientation 8: stored turned 90° clockwise, shown after turning 90° counter-clockwise.
        [8, 90],
      ])('orientation %i: the photo is turned upright before detection', async (orientation, storedRotation) => {
        const stored = await raw().rotate(storedRotation).jpeg({ quality: 95 }).withMetadata({ orientation }).toBuffer();
        const metadata = await sharp(stored).metadata();
        expect(metadata).toMatchObject({ width: 320, height: 250, orientation });

        const analysis = analysisOf(await analyzeOne(stored));
        expect(analysis).toMatchObject({ width: 250, height: 320 });
        const face = onlyFace(analysis);
        expectBoxNear(face.box, uprightFace.box, 4);
        // The same face to a degree (re-encoding the turned JPEG moves the landmarks a little); a missed turn is 90° off.
        expect(Math.abs(face.quality.pose.roll - uprightFace.quality.pose.roll)).toBeLessThan(1);
      });
    });

    it('fails bad images alone in a batch and analyses the good ones', async () => {
      const other = readPortrait('sample2-c');
      const batch: Uint8Array[] = [
        new Uint8Array(0),
        photo,
        Buffer.from('not an image'),
        await sharp({ create: { width: 1, height: 1, channels: 3, background: 'white' } }).png().toBuffer(),
        other,
        pngDeclaring(20_000, 20_000),
        await noisePng(300, 300),
      ];
      const outcomes = await pipeline.analyze.execute(batch);
      expect(outcomes).toHaveLength(batch.length);
      expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual([
        'image_decode_error',
        'ok',
        'image_decode_error',
        'invalid_image',
        'ok',
        'image_too_large',
        'ok',
      ]);
      const face = onlyFace(analysisOf(outcomes[1]));
      expectBoxNear(face.box, reference.box, 1e-3);
      const otherAlone = onlyFace(analysisOf(await analyzeOne(other)));
      expectBoxNear(onlyFace(analysisOf(outcomes[4])).box, otherAlone.box, 1e-3);
      expect(analysisOf(outcomes[6]).faces).toHaveLength(0);
    });
  });
});
