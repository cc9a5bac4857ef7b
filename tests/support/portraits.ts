/**
 * Face photos for the tests that need faces but not LFW: portraits cut out of
 * the six colour group photos that `npm ci` provisions into samples/
 * (@vladmandic/face-api@1.7.15 demo/, SHA-256 pinned by
 * scripts/provision-samples.mjs). A fresh clone has them, so every runtime,
 * Redis and pipeline suite runs without ../shared; only the suites that
 * measure accuracy on LFW itself need LFW.
 *
 * Each portrait is a square around one face (the face box measured once on
 * the pinned photo, SAMPLE_PHOTOS, widened 1.4×), resized to 250×250, with
 * exactly one detectable face. Jest's global setup writes them (and a second
 * photo of each person) to PORTRAIT_DIR before any test file runs, so tests
 * read them synchronously.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { PORTRAIT_LAYOUT } from '../../src/domain/scene-plan';
import { SAMPLE_PHOTOS } from '../../src/infrastructure/datasets/sample-photos';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SAMPLES_DIR = join(REPO_ROOT, 'samples');
/** Generated, not versioned (.cache/ is ignored); rebuilt when GENERATION changes. */
export const PORTRAIT_DIR = join(REPO_ROOT, '.cache', 'test-portraits');
const GENERATION = 'v2';

export const PORTRAIT_SIZE = 250;

interface PortraitSpec {
  readonly id: string;
  readonly sample: string;
  /** The square cut out of the sample photo, in its pixels. */
  readonly left: number;
  readonly top: number;
  readonly side: number;
}

/**
 * Left out of the portraits: the profile in sample2 (no detector here finds
 * it once cropped) and the middle woman of sample3, who is the woman on the
 * right of sample1 again (cosine similarity 0.66 with today's embedder).
 */
const LEFT_OUT = new Set(['sample2-a', 'sample3-b']);

/**
 * 20 faces of the six sample photos (their boxes: SAMPLE_PHOTOS), named
 * `<photo>-<a…e>` left to right in each photo. Each square is 1.4× the
 * longer side of the face box, centred on it and moved inside the photo
 * where the face is near an edge.
 */
const SPECS: readonly PortraitSpec[] = SAMPLE_PHOTOS.flatMap((photo) =>
  [...photo.faces]
    .sort((a, b) => a[0] - b[0])
    .map(([x1, y1, x2, y2], index) => {
      const side = Math.round(Math.max(x2 - x1, y2 - y1) * 1.4);
      const inside = (centre: number, limit: number): number => Math.max(0, Math.min(limit - side, Math.round(centre - side / 2)));
      return {
        id: `${photo.file.replace('.jpg', '')}-${'abcde'[index]}`,
        sample: photo.file,
        left: inside((x1 + x2) / 2, photo.width),
        top: inside((y1 + y2) / 2, photo.height),
        side,
      };
    })
    .filter((spec) => !LEFT_OUT.has(spec.id)),
);

/** The people of the portraits, one id each. */
export const PORTRAIT_IDS: readonly string[] = SPECS.map((s) => s.id);

/**
 * Six people whose portraits the embedder keeps well apart (every pairwise
 * cosine similarity below 0.2, measured with the default model set), for
 * tests that need "different people are not the same". Make-up and studio
 * light push some other pairs of these photos above MATCH_THRESHOLD.
 */
export const DISSIMILAR_PEOPLE: readonly string[] = ['sample1-a', 'sample2-c', 'sample4-d', 'sample5-b', 'sample5-d', 'sample6-d'];

const portraitFile = (id: string): string => join(PORTRAIT_DIR, `${id}.jpg`);
/** Another photo of the same person: the face mirrored, cut tighter and off-centre, under other light. */
const otherPhotoFile = (id: string): string => join(PORTRAIT_DIR, `${id}-other.jpg`);

function specOf(id: string): PortraitSpec {
  const spec = SPECS.find((s) => s.id === id);
  if (!spec) throw new Error(`no portrait '${id}' (known: ${PORTRAIT_IDS.join(', ')})`);
  return spec;
}

/** Path of the portrait of `id` (PORTRAIT_IDS). */
export function portraitPath(id: string): string {
  specOf(id);
  return portraitFile(id);
}

/** Path of a second, different photo of the person of portrait `id`. */
export function otherPhotoPath(id: string): string {
  specOf(id);
  return otherPhotoFile(id);
}

export const readPortrait = (id: string): Buffer => readFileSync(portraitPath(id));
export const readOtherPhoto = (id: string): Buffer => readFileSync(otherPhotoPath(id));

/**
 * `count` face photos, in a fixed order: every portrait, then every "other
 * photo", then round again. Frames built from them hold one face each.
 */
export function portraitPaths(count: number): string[] {
  const all = [...PORTRAIT_IDS.map(portraitFile), ...PORTRAIT_IDS.map(otherPhotoFile)];
  return Array.from({ length: count }, (_, i) => all[i % all.length] as string);
}

export const loadPortraits = (count: number): Buffer[] => portraitPaths(count).map((p) => readFileSync(p));

async function writePortraits(): Promise<void> {
  for (const spec of SPECS) {
    const source = join(SAMPLES_DIR, spec.sample);
    const square = sharp(source).extract({ left: spec.left, top: spec.top, width: spec.side, height: spec.side });
    writeFileSync(portraitFile(spec.id), await square.resize(PORTRAIT_SIZE, PORTRAIT_SIZE, { kernel: 'lanczos3' }).jpeg({ quality: 92 }).toBuffer());
    // Tighter (85 %), shifted by 4 % of the side, mirrored, brighter and warmer: not the same pixels, still the same face.
    const inner = Math.round(spec.side * 0.85);
    const shift = Math.round(spec.side * 0.04);
    const margin = Math.round((spec.side - inner) / 2);
    const other = sharp(source)
      .extract({ left: spec.left + margin + shift, top: spec.top + margin - shift, width: inner, height: inner })
      .flop()
      .modulate({ brightness: 1.12 })
      .linear([1.05, 1, 0.92], [4, 0, -4])
      .resize(PORTRAIT_SIZE, PORTRAIT_SIZE, { kernel: 'lanczos3' })
      .jpeg({ quality: 85 });
    writeFileSync(otherPhotoFile(spec.id), await other.toBuffer());
  }
}

/**
 * Writes the portraits unless this generation is already there. Called once
 * per Jest run by the integration project's global setup.
 */
export async function preparePortraits(): Promise<void> {
  const marker = join(PORTRAIT_DIR, `.${GENERATION}`);
  if (existsSync(marker)) return;
  const missing = [...new Set(SPECS.map((s) => s.sample))].filter((file) => !existsSync(join(SAMPLES_DIR, file)));
  if (missing.length > 0) {
    throw new Error(`sample photos missing from ${SAMPLES_DIR} (${missing.join(', ')}): run 'npm ci' or 'npm run provision'`);
  }
  rmSync(PORTRAIT_DIR, { recursive: true, force: true });
  mkdirSync(PORTRAIT_DIR, { recursive: true });
  await writePortraits();
  writeFileSync(`${marker}.tmp`, '');
  renameSync(`${marker}.tmp`, marker);
}

/** Padding around a sample photo, so that a portrait of a face near its edge stays inside (mirrored pixels). */
const PAD = 700;

/**
 * A 250×250 portrait of one face of a sample photo laid out as LFW is: the
 * face box lands on PORTRAIT_LAYOUT.faceBox (scaled by its height). `zoom`
 * > 1 crops tighter and `shift` moves the crop (in face-box widths), as a
 * different photo of the same person would frame them.
 */
async function portrait(padded: Buffer, face: readonly [number, number, number, number], zoom: number, shift: number): Promise<Sharp> {
  const [x1, y1, x2, y2] = face;
  const { size, faceBox } = PORTRAIT_LAYOUT;
  const scale = ((faceBox.y2 - faceBox.y1) / (y2 - y1)) * zoom;
  const side = Math.round(size / scale);
  const centreX = (faceBox.x1 + faceBox.x2) / 2;
  const centreY = (faceBox.y1 + faceBox.y2) / 2;
  const left = Math.round((x1 + x2) / 2 + shift * (x2 - x1) - centreX / scale) + PAD;
  const top = Math.round((y1 + y2) / 2 - centreY / scale) + PAD;
  return sharp(padded).extract({ left, top, width: side, height: side }).resize(size, size, { kernel: 'lanczos3' });
}

/**
 * For the scene generator's tests: builds a folder with LFW's layout (`images/<Name>/<Name>_000N.jpg`) from
 * the 22 faces of `samples/`, so that scene tests run on a fresh clone
 * without LFW: per face, its portrait and four "other photos" (mirrored,
 * cropped tighter and shifted, darker, brighter). Returns the people's names.
 */
export async function buildSamplePortraitFolder(root: string): Promise<string[]> {
  const names: string[] = [];
  for (const photo of SAMPLE_PHOTOS) {
    const padded = await sharp(join(SAMPLES_DIR, photo.file)).extend({ top: PAD, bottom: PAD, left: PAD, right: PAD, extendWith: 'mirror' }).png().toBuffer();
    for (const [index, face] of photo.faces.entries()) {
      const name = `${photo.file.replace('.jpg', '')}_face${index + 1}`;
      const dir = join(root, 'images', name);
      await mkdir(dir, { recursive: true });
      const versions = [
        await portrait(padded, face, 1, 0),
        (await portrait(padded, face, 1, 0)).flop(),
        await portrait(padded, face, 1.12, 0.06),
        (await portrait(padded, face, 0.92, -0.05)).linear(0.7, 0),
        (await portrait(padded, face, 1.05, 0.03)).linear(1.2, 10),
      ];
      for (const [i, version] of versions.entries()) {
        await writeFile(join(dir, `${name}_${String(i + 1).padStart(4, '0')}.jpg`), await version.jpeg({ quality: 90 }).toBuffer());
      }
      names.push(name);
    }
  }
  return names;
}
