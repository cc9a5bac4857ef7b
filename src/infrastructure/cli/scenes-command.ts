import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { boxToArray } from '../../domain/geometry';
import { DEFAULT_SCENE_SETTINGS, planScenes, PORTRAIT_LAYOUT, type FramePlan, type ScenePlan, type SceneSettings } from '../../domain/scene-plan';
import { portraitPath, readPortraitFolder } from '../datasets/portrait-folder';
import { loadSamplePhotos, type LoadedSamplePhotos } from '../datasets/sample-photos';
import {
  SCENE_FRAMES_DIR,
  SCENE_GALLERY_DIR,
  SCENE_MANIFEST_FILE,
  SCENE_MANIFEST_VERSION,
  type SceneManifest,
  type SceneManifestFrame,
} from '../datasets/scene-manifest';
import { renderScene, type SceneImages } from '../imaging/scene-renderer';
import { nonNegativeInteger, positiveInteger, UsageError, type CommandOutput } from './output';

export interface ScenesFlags {
  lfw?: string;
  out?: string;
  frames?: string;
  seed?: string;
  samples?: string;
  'group-frames'?: string;
  'sample-frames'?: string;
  'gallery-photos'?: string;
  'min-photos'?: string;
}

/** Standard frames by default: 120 faces per size bucket, and a run of `facerec eval scenes` of a few minutes at most on 2 cores. */
export const DEFAULT_STANDARD_FRAMES = 120;
/** People need this many photos by default: LFW's own cut for identification (identities-20plus.txt). */
const DEFAULT_MIN_PHOTOS = 20;
/** Frames rendered at once: their sharp work runs on libvips threads while the next frame's pixels are painted. */
const RENDER_CONCURRENCY = 2;

/** The output folder may hold only an earlier scene set, which is replaced. */
async function prepareOutput(out: string): Promise<void> {
  const ours = new Set([SCENE_FRAMES_DIR, SCENE_GALLERY_DIR, SCENE_MANIFEST_FILE]);
  let entries: string[] = [];
  try {
    entries = await readdir(out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const foreign = entries.filter((e) => !ours.has(e));
  if (foreign.length > 0) {
    throw new UsageError(`--out ${out} holds other files (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}): give a new or empty folder, or one holding earlier scenes`);
  }
  for (const entry of entries) await rm(join(out, entry), { recursive: true, force: true });
  await mkdir(join(out, SCENE_FRAMES_DIR), { recursive: true });
  await mkdir(join(out, SCENE_GALLERY_DIR), { recursive: true });
}

async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

const frameFile = (frame: FramePlan): string => `${SCENE_FRAMES_DIR}/${frame.name}.jpg`;

function manifestOf(plan: ScenePlan, settings: SceneSettings, sources: { portraits: string; samples: string | null; minPhotos: number }): SceneManifest {
  const frames = plan.frames.map(
    (frame): SceneManifestFrame => ({
      file: frameFile(frame),
      kind: frame.kind,
      width: settings.width,
      height: settings.height,
      faces: frame.faces.map((face) => ({ box: boxToArray(face.box), bucket: face.bucket, person: face.person, source: face.source })),
      look: { background: frame.background, lighting: frame.lighting, finish: frame.finish, portraits: frame.portraits, samples: frame.samples },
    }),
  );
  return {
    version: SCENE_MANIFEST_VERSION,
    seed: settings.seed,
    generator: {
      ...settings,
      minPhotos: sources.minPhotos,
      portraits: sources.portraits,
      samples: sources.samples,
      sharp: sharp.versions.sharp,
      libvips: sharp.versions.vips,
      simd: sharp.simd(),
    },
    groundTruth: {
      portraitFaceBox: boxToArray(PORTRAIT_LAYOUT.faceBox),
      portraitCrop: boxToArray(PORTRAIT_LAYOUT.crop),
      portraits:
        'one fixed box for every 250×250 portrait, independent of any model: LFW’s centred Viola–Jones square (250/2.2 px) reshaped to the WIDER FACE convention (forehead to chin), 100×136 px centred at (125, 127) — the median UltraFace box over the 3,023 photos of LFW’s 62 people with ≥ 20 photos',
      samples: 'face boxes of samples/sample1–6.jpg measured once at full size with UltraFace RFB-320 (model set faceplugin-0.0.1-dynbatch-4), checked by eye, recorded in src/infrastructure/datasets/sample-photos.ts',
      buckets: 'a face belongs to the largest size at or below its box height + 0.5 px',
    },
    gallery: { dir: SCENE_GALLERY_DIR, people: plan.gallery.length, photosPerPerson: settings.galleryPhotos },
    frames,
  };
}

/**
 * `facerec scenes`: writes a deterministic set of HD frames with known faces
 * (frames/*.jpg), the gallery of other photos of the same people
 * (gallery/<Person>/<n>.jpg) and the ground truth (scenes.json).
 */
export async function scenesCommand(flags: ScenesFlags, output: CommandOutput): Promise<number> {
  if (!flags.lfw) throw new UsageError('scenes needs --lfw <folder laid out as LFW: images/<Name>/*.jpg>');
  if (!flags.out) throw new UsageError('scenes needs --out <folder for the frames, gallery and scenes.json>');
  const standardFrames = nonNegativeInteger(flags.frames, 'frames', DEFAULT_STANDARD_FRAMES);
  const settings: SceneSettings = {
    ...DEFAULT_SCENE_SETTINGS,
    seed: nonNegativeInteger(flags.seed, 'seed', 1),
    standardFrames,
    groupFrames: nonNegativeInteger(flags['group-frames'], 'group-frames', Math.ceil(standardFrames / 10)),
    sampleFrames: nonNegativeInteger(flags['sample-frames'], 'sample-frames', Math.ceil(standardFrames / 20)),
    galleryPhotos: positiveInteger(flags['gallery-photos'], 'gallery-photos', DEFAULT_SCENE_SETTINGS.galleryPhotos),
  };
  if (settings.seed > 0xffffffff) throw new UsageError(`--seed must be below 2^32, got ${settings.seed}`);
  const minPhotos = positiveInteger(flags['min-photos'], 'min-photos', DEFAULT_MIN_PHOTOS);
  if (minPhotos <= settings.galleryPhotos) {
    throw new UsageError(`--min-photos (${minPhotos}) must exceed --gallery-photos (${settings.galleryPhotos}): a person's gallery photos are never pasted`);
  }
  const samplesDir = settings.sampleFrames > 0 ? (flags.samples ?? 'samples') : null;
  const lfw = flags.lfw;

  // libvips's vector paths (resize, blur) round differently from CPU to CPU;
  // its scalar paths make the bytes depend only on the sharp build (this process only).
  sharp.simd(false);
  const people = await readPortraitFolder(lfw, minPhotos);
  const samples: LoadedSamplePhotos = samplesDir ? await loadSamplePhotos(samplesDir) : { photos: [], bytes: new Map() };
  const plan = planScenes(settings, { people, samples: samples.photos });
  await prepareOutput(flags.out);

  const images: SceneImages = {
    portrait: (person, photo) => readFile(portraitPath(lfw, person, photo)),
    sample: async (file) => samples.bytes.get(file) as Uint8Array,
  };
  const started = Date.now();
  let rendered = 0;
  await forEachConcurrently(plan.frames, RENDER_CONCURRENCY, async (frame) => {
    await writeFile(join(flags.out as string, frameFile(frame)), await renderScene(frame, settings.width, settings.height, images));
    rendered += 1;
    output.progress(`rendered ${rendered}/${plan.frames.length} frames`);
  });
  output.progress('\n');
  for (const { person, photos } of plan.gallery) {
    const dir = join(flags.out, SCENE_GALLERY_DIR, person);
    await mkdir(dir, { recursive: true });
    await Promise.all(photos.map((photo, i) => copyFile(portraitPath(lfw, person, photo), join(dir, `${i + 1}${extname(photo).toLowerCase()}`))));
  }
  const manifest = manifestOf(plan, settings, { portraits: lfw, samples: samplesDir, minPhotos });
  await writeFile(join(flags.out, SCENE_MANIFEST_FILE), `${JSON.stringify(manifest, null, 1)}\n`);

  const faces = plan.frames.reduce((n, f) => n + f.faces.length, 0);
  const perBucket = new Map<number, number>();
  for (const face of plan.frames.flatMap((f) => f.faces)) perBucket.set(face.bucket, (perBucket.get(face.bucket) ?? 0) + 1);
  output.line(
    `frames: ${plan.frames.length} (${settings.standardFrames} standard, ${settings.groupFrames} group, ${settings.sampleFrames} samples), ${settings.width}×${settings.height}, seed ${settings.seed}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  output.line(`faces: ${faces} (${[...perBucket.entries()].sort((a, b) => a[0] - b[0]).map(([bucket, n]) => `${bucket} px: ${n}`).join(', ')})`);
  output.line(`gallery: ${plan.gallery.length} people × ${settings.galleryPhotos} photos`);
  output.line(`written to ${flags.out} (${SCENE_MANIFEST_FILE}, ${SCENE_FRAMES_DIR}/, ${SCENE_GALLERY_DIR}/)`);
  return 0;
}
