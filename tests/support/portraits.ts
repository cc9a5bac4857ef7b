/**
 * Face photos for the tests that need faces but not LFW: portraits cut out of
 * the six colour group photos that `npm ci` provisions into samples/
 * (@vladmandic/face-api@1.7.15 demo/, SHA-256 pinned by
 * scripts/provision-samples.mjs). A fresh clone has them, so every runtime,
 * Redis and pipeline suite runs without ../shared; only the suites that
 * measure accuracy on LFW itself need LFW.
 *
 * Each portrait is a square around one face (the face box measured once on
 * the pinned photo, widened 1.4×), resized to 250×250 like an LFW photo, with
 * exactly one detectable face. Jest's global setup writes them (and a second
 * photo of each person) to PORTRAIT_DIR before any test file runs, so tests
 * read them synchronously.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SAMPLES_DIR = join(REPO_ROOT, 'samples');
/** Generated, not versioned (.cache/ is ignored); rebuilt when GENERATION changes. */
export const PORTRAIT_DIR = join(REPO_ROOT, '.cache', 'test-portraits');
const GENERATION = 'v1';

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
 * 20 faces of the six sample photos, left to right in each photo. Left out:
 * the profile in sample2 (no detector here finds it once cropped) and the
 * middle woman of sample3, who is the woman on the right of sample1 again
 * (cosine similarity 0.66 with today's embedder). Squares are 1.4× the longer
 * side of the measured face box, centred on it and moved inside the photo
 * where the face is near an edge.
 */
const SPECS: readonly PortraitSpec[] = [
  { id: 'sample1-a', sample: 'sample1.jpg', left: 345, top: 312, side: 330 },
  { id: 'sample1-b', sample: 'sample1.jpg', left: 782, top: 388, side: 302 },
  { id: 'sample1-c', sample: 'sample1.jpg', left: 1411, top: 169, side: 311 },
  { id: 'sample2-b', sample: 'sample2.jpg', left: 814, top: 194, side: 313 },
  { id: 'sample2-c', sample: 'sample2.jpg', left: 1386, top: 117, side: 319 },
  { id: 'sample3-a', sample: 'sample3.jpg', left: 498, top: 276, side: 390 },
  { id: 'sample3-c', sample: 'sample3.jpg', left: 1409, top: 246, side: 375 },
  { id: 'sample4-a', sample: 'sample4.jpg', left: 175, top: 145, side: 344 },
  { id: 'sample4-b', sample: 'sample4.jpg', left: 590, top: 25, side: 333 },
  { id: 'sample4-c', sample: 'sample4.jpg', left: 904, top: 132, side: 349 },
  { id: 'sample4-d', sample: 'sample4.jpg', left: 1171, top: 110, side: 346 },
  { id: 'sample5-a', sample: 'sample5.jpg', left: 269, top: 832, side: 393 },
  { id: 'sample5-b', sample: 'sample5.jpg', left: 515, top: 371, side: 352 },
  { id: 'sample5-c', sample: 'sample5.jpg', left: 730, top: 78, side: 292 },
  { id: 'sample5-d', sample: 'sample5.jpg', left: 1044, top: 173, side: 310 },
  { id: 'sample5-e', sample: 'sample5.jpg', left: 1307, top: 328, side: 395 },
  { id: 'sample6-a', sample: 'sample6.jpg', left: 172, top: 437, side: 381 },
  { id: 'sample6-b', sample: 'sample6.jpg', left: 552, top: 265, side: 426 },
  { id: 'sample6-c', sample: 'sample6.jpg', left: 1076, top: 259, side: 382 },
  { id: 'sample6-d', sample: 'sample6.jpg', left: 1391, top: 209, side: 407 },
];

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
