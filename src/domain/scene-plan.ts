import { SceneGenerationError } from './errors';
import { boxHeight, type BoundingBox } from './geometry';
import { planBackground, planFinish, planLighting, type BackgroundPlan, type FinishPlan, type LightingPlan, type LookRanges } from './scene-look';
import { SeededRandom } from './seeded-random';

/**
 * The plan of a generated HD evaluation set: which portrait goes where, at
 * which size, over which background, under which light, and the ground truth
 * that follows. Everything is drawn from seeded streams, so a seed names one
 * exact data set; the renderer only executes the plan.
 */

/**
 * Face sizes (ground-truth box height, px) of the evaluation, and the lower
 * bounds of its size buckets: each standard frame holds one face of each size.
 */
export const SCENE_FACE_SIZES: readonly number[] = [24, 32, 40, 48, 64, 80, 96, 160];

/**
 * Where the face is in an LFW-layout portrait (250×250, subject centred) and
 * which part of the photo is pasted. LFW centred each photo on a Viola–Jones
 * box enlarged 2.2×, i.e. a 114 px square at the centre; the face box here is
 * that square reshaped to the convention of detectors trained on WIDER FACE
 * (forehead to chin, taller than wide): 100 × 136 px centred at (125, 127),
 * the median box UltraFace finds on the 3,023 photos of LFW's 62 people with
 * ≥ 20 photos. It is the same box for every photo — independent of the model
 * that is evaluated. The crop (170 × 200) leaves out the photo's edges, where
 * other people sometimes appear.
 */
export const PORTRAIT_LAYOUT = {
  size: 250,
  faceBox: { x1: 75, y1: 59, x2: 175, y2: 195 },
  crop: { x1: 40, y1: 27, x2: 210, y2: 227 },
} as const;

export type FrameKind = 'standard' | 'group' | 'samples';

export interface SceneSettings {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  /** Frames holding one face of each size at seeded positions. */
  readonly standardFrames: number;
  /** Frames holding a grid of faces, like a group photo. */
  readonly groupFrames: number;
  /** Frames made of the colour group photos, downscaled. */
  readonly sampleFrames: number;
  readonly sizes: readonly number[];
  /** Photos of each person written to the gallery; they are never pasted. */
  readonly galleryPhotos: number;
  /** Face heights of group frames, px. */
  readonly groupFaceHeights: readonly [number, number];
  /** Face heights the colour group photos are downscaled to, px. */
  readonly sampleFaceHeights: readonly [number, number];
  readonly look: LookRanges;
}

export const DEFAULT_SCENE_SETTINGS: Omit<SceneSettings, 'seed' | 'standardFrames' | 'groupFrames' | 'sampleFrames'> = {
  width: 1920,
  height: 1080,
  sizes: SCENE_FACE_SIZES,
  galleryPhotos: 4,
  groupFaceHeights: [64, 96],
  sampleFaceHeights: [30, 80],
  look: { darkShare: 0.15, jpegQuality: [70, 85] },
};

/** A person of the portrait folder: photo file names in a stable order. */
export interface PortraitPerson {
  readonly name: string;
  readonly photos: readonly string[];
}

/** A colour group photo with the boxes of all its faces. */
export interface SamplePhoto {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  readonly faces: readonly BoundingBox[];
}

export interface PortraitPaste {
  readonly person: string;
  readonly photo: string;
  readonly flip: boolean;
  /** Where the resized crop goes, and its size. */
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface SamplePaste {
  readonly file: string;
  readonly flip: boolean;
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface SceneFace {
  readonly box: BoundingBox;
  /** The size bucket: the largest of `sizes` at or below the box height. */
  readonly bucket: number;
  /** The person's gallery id, or null for someone not in the gallery. */
  readonly person: string | null;
  /** The photo the face comes from (a portrait file, or `<sample file>#<face index>`). */
  readonly source: string;
}

export interface FramePlan {
  /** File name without extension, e.g. `standard-0001`. */
  readonly name: string;
  readonly kind: FrameKind;
  readonly background: BackgroundPlan;
  readonly lighting: LightingPlan;
  readonly finish: FinishPlan;
  /** Pasted over the background in this order: sample photos first, then portraits. */
  readonly samples: readonly SamplePaste[];
  readonly portraits: readonly PortraitPaste[];
  readonly faces: readonly SceneFace[];
}

export interface GalleryPlan {
  readonly person: string;
  readonly photos: readonly string[];
}

export interface ScenePlan {
  readonly frames: readonly FramePlan[];
  readonly gallery: readonly GalleryPlan[];
}

/** Half a pixel of slack: a resized crop is a whole number of pixels, so a box planned at 48 px may measure 47.7. */
const BUCKET_SLACK = 0.5;

/** The size bucket of a face `height` px tall: the largest of `sizes` at or below it; null below the smallest. */
export function sizeBucket(height: number, sizes: readonly number[]): number | null {
  let bucket: number | null = null;
  for (const size of sizes) if (size <= height + BUCKET_SLACK && (bucket === null || size > bucket)) bucket = size;
  return bucket;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** The ground-truth face box of a portrait crop pasted at (left, top) with the given size. */
export function portraitFaceBox(left: number, top: number, width: number, height: number): BoundingBox {
  const { crop, faceBox } = PORTRAIT_LAYOUT;
  const sx = width / (crop.x2 - crop.x1);
  const sy = height / (crop.y2 - crop.y1);
  // The face box and the crop are both centred on x = 125, so a mirrored crop has the same box.
  return {
    x1: round2(left + (faceBox.x1 - crop.x1) * sx),
    y1: round2(top + (faceBox.y1 - crop.y1) * sy),
    x2: round2(left + (faceBox.x2 - crop.x1) * sx),
    y2: round2(top + (faceBox.y2 - crop.y1) * sy),
  };
}

/** The pixel size of the portrait crop that makes its face box `faceHeight` px tall. */
export function portraitCropSize(faceHeight: number): { width: number; height: number } {
  const { crop, faceBox } = PORTRAIT_LAYOUT;
  const scale = faceHeight / (faceBox.y2 - faceBox.y1);
  return { width: Math.round((crop.x2 - crop.x1) * scale), height: Math.round((crop.y2 - crop.y1) * scale) };
}

/**
 * Deals people to faces so that everyone appears about equally often and
 * nobody twice in one frame; each person's photos are used in turn.
 */
class Casting {
  private deck: string[] = [];
  private readonly nextPhoto = new Map<string, number>();

  constructor(
    private readonly random: SeededRandom,
    private readonly pools: ReadonlyMap<string, readonly string[]>,
  ) {}

  cast(count: number): Array<{ person: string; photo: string }> {
    const people = [...this.pools.keys()];
    if (count > people.length) {
      throw new SceneGenerationError(`a frame needs ${count} different people but only ${people.length} are available`, { count, people: people.length });
    }
    const chosen: string[] = [];
    while (chosen.length < count) {
      // A fresh round of everyone once the deck holds nobody this frame can still take.
      if (this.deck.every((person) => chosen.includes(person))) this.deck.push(...this.random.shuffle(people));
      const index = this.deck.findIndex((person) => !chosen.includes(person));
      chosen.push(this.deck.splice(index, 1)[0] as string);
    }
    return chosen.map((person) => {
      const pool = this.pools.get(person) as readonly string[];
      const turn = this.nextPhoto.get(person) ?? 0;
      this.nextPhoto.set(person, turn + 1);
      return { person, photo: pool[turn % pool.length] as string };
    });
  }
}

interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

const overlaps = (a: Rect, b: Rect, gap: number): boolean =>
  a.left < b.left + b.width + gap && b.left < a.left + a.width + gap && a.top < b.top + b.height + gap && b.top < a.top + a.height + gap;

const EDGE_MARGIN = 8;
const PLACEMENT_ATTEMPTS = 2000;

/** Seeded positions for rectangles inside the frame, none overlapping another, biggest placed first. */
export function placeWithoutOverlap(random: SeededRandom, sizes: ReadonlyArray<{ width: number; height: number }>, frameWidth: number, frameHeight: number): Rect[] {
  const order = sizes.map((_, i) => i).sort((a, b) => (sizes[b] as Rect).height - (sizes[a] as Rect).height || a - b);
  const placed: Rect[] = new Array<Rect>(sizes.length);
  const taken: Rect[] = [];
  for (const index of order) {
    const { width, height } = sizes[index] as { width: number; height: number };
    let spot: Rect | null = null;
    for (let attempt = 0; attempt < PLACEMENT_ATTEMPTS && spot === null; attempt += 1) {
      const candidate = {
        left: random.integer(EDGE_MARGIN, Math.max(EDGE_MARGIN, frameWidth - width - EDGE_MARGIN)),
        top: random.integer(EDGE_MARGIN, Math.max(EDGE_MARGIN, frameHeight - height - EDGE_MARGIN)),
        width,
        height,
      };
      const inside = candidate.left + width <= frameWidth - EDGE_MARGIN && candidate.top + height <= frameHeight - EDGE_MARGIN;
      if (inside && taken.every((other) => !overlaps(candidate, other, EDGE_MARGIN))) spot = candidate;
    }
    if (spot === null) {
      throw new SceneGenerationError(`cannot place a ${width}×${height} crop in a ${frameWidth}×${frameHeight} frame without overlap`, { width, height, placed: taken.length });
    }
    taken.push(spot);
    placed[index] = spot;
  }
  return placed;
}

export interface SceneSources {
  readonly people: readonly PortraitPerson[];
  readonly samples: readonly SamplePhoto[];
}

function bucketOf(height: number, settings: SceneSettings): number {
  const bucket = sizeBucket(height, settings.sizes);
  if (bucket === null) {
    throw new SceneGenerationError(`a ${height.toFixed(1)} px face is below the smallest size bucket (${Math.min(...settings.sizes)} px)`, { height });
  }
  return bucket;
}

function portraitFace(paste: PortraitPaste, settings: SceneSettings): SceneFace {
  const box = portraitFaceBox(paste.left, paste.top, paste.width, paste.height);
  return { box, bucket: bucketOf(boxHeight(box), settings), person: paste.person, source: paste.photo };
}

function look(settings: SceneSettings, name: string): Pick<FramePlan, 'background' | 'lighting' | 'finish'> {
  const background = planBackground(SeededRandom.derive(settings.seed, name, 'background'));
  const lightRandom = SeededRandom.derive(settings.seed, name, 'lighting');
  const lighting = planLighting(lightRandom, settings.look);
  return { background, lighting, finish: planFinish(lightRandom, lighting, settings.look) };
}

function planStandardFrame(name: string, settings: SceneSettings, casting: Casting): FramePlan {
  const random = SeededRandom.derive(settings.seed, name, 'layout');
  const crops = settings.sizes.map((size) => portraitCropSize(size));
  const spots = placeWithoutOverlap(random, crops, settings.width, settings.height);
  const cast = casting.cast(settings.sizes.length);
  const portraits = spots.map((spot, i): PortraitPaste => ({ ...(cast[i] as { person: string; photo: string }), flip: random.chance(0.5), ...spot }));
  return { name, kind: 'standard', ...look(settings, name), samples: [], portraits, faces: portraits.map((p) => portraitFace(p, settings)) };
}

/**
 * A group photo: rows of faces of about one size, each row staggered or not,
 * neighbouring crops overlapping at their feathered edges but never at their
 * face boxes (the pitch exceeds a face box by construction).
 */
function planGroupFrame(name: string, settings: SceneSettings, casting: Casting): FramePlan {
  const random = SeededRandom.derive(settings.seed, name, 'layout');
  const faceHeight = random.between(settings.groupFaceHeights[0], settings.groupFaceHeights[1]);
  const columns = random.integer(3, 5);
  const rows = random.integer(2, 3);
  const base = portraitCropSize(faceHeight);
  // Face boxes are 100/170 of a crop's width and 136/200 of its height; with ±5 % size and ±2 % position jitter these pitches keep them apart.
  const pitchX = base.width * random.between(0.8, 0.95);
  const pitchY = base.height * random.between(0.86, 0.96);
  const stagger = random.chance(0.5);
  const gridWidth = pitchX * (columns - 1 + (stagger ? 0.5 : 0)) + base.width * 1.05;
  const gridHeight = pitchY * (rows - 1) + base.height * 1.05;
  const originX = random.between(EDGE_MARGIN, settings.width - gridWidth - EDGE_MARGIN);
  const originY = random.between(EDGE_MARGIN, settings.height - gridHeight - EDGE_MARGIN);
  const cast = casting.cast(columns * rows);
  const portraits: PortraitPaste[] = [];
  for (let row = 0; row < rows; row += 1) {
    for (let column = 0; column < columns; column += 1) {
      const size = portraitCropSize(faceHeight * random.between(0.95, 1.05));
      const centreX = originX + base.width * 0.525 + pitchX * (column + (stagger && row % 2 === 1 ? 0.5 : 0)) + pitchX * random.between(-0.02, 0.02);
      const centreY = originY + base.height * 0.525 + pitchY * row + pitchY * random.between(-0.02, 0.02);
      portraits.push({
        ...(cast[row * columns + column] as { person: string; photo: string }),
        flip: random.chance(0.5),
        left: Math.round(centreX - size.width / 2),
        top: Math.round(centreY - size.height / 2),
        ...size,
      });
    }
  }
  return { name, kind: 'group', ...look(settings, name), samples: [], portraits, faces: portraits.map((p) => portraitFace(p, settings)) };
}

/** The colour group photos, each downscaled so its faces fall within `sampleFaceHeights`, one per cell of a 3 × 2 grid. */
function planSamplesFrame(name: string, settings: SceneSettings, photos: readonly SamplePhoto[]): FramePlan {
  const random = SeededRandom.derive(settings.seed, name, 'layout');
  const columns = 3;
  const cellWidth = Math.floor(settings.width / columns);
  const cellHeight = Math.floor(settings.height / 2);
  const samples: SamplePaste[] = [];
  const faces: SceneFace[] = [];
  random.shuffle(photos).slice(0, columns * 2).forEach((photo, cell) => {
    const heights = photo.faces.map(boxHeight);
    const smallest = settings.sampleFaceHeights[0] / Math.min(...heights);
    const largest = Math.min(
      settings.sampleFaceHeights[1] / Math.max(...heights),
      (cellWidth - 2 * EDGE_MARGIN) / photo.width,
      (cellHeight - 2 * EDGE_MARGIN) / photo.height,
    );
    const scale = random.between(smallest, Math.max(smallest, largest));
    const width = Math.round(photo.width * scale);
    const height = Math.round(photo.height * scale);
    const left = (cell % columns) * cellWidth + random.integer(EDGE_MARGIN, Math.max(EDGE_MARGIN, cellWidth - width - EDGE_MARGIN));
    const top = Math.floor(cell / columns) * cellHeight + random.integer(EDGE_MARGIN, Math.max(EDGE_MARGIN, cellHeight - height - EDGE_MARGIN));
    const flip = random.chance(0.5);
    samples.push({ file: photo.file, flip, left, top, width, height });
    const sx = width / photo.width;
    const sy = height / photo.height;
    photo.faces.forEach((face, index) => {
      const x1 = flip ? photo.width - face.x2 : face.x1;
      const x2 = flip ? photo.width - face.x1 : face.x2;
      const box = { x1: round2(left + x1 * sx), y1: round2(top + face.y1 * sy), x2: round2(left + x2 * sx), y2: round2(top + face.y2 * sy) };
      faces.push({ box, bucket: bucketOf(boxHeight(box), settings), person: null, source: `${photo.file}#${index + 1}` });
    });
  });
  return { name, kind: 'samples', ...look(settings, name), samples, portraits: [], faces };
}

const frameName = (kind: FrameKind, index: number): string => `${kind}-${String(index + 1).padStart(4, '0')}`;

/**
 * Plans the whole set. Each person's photos are split once: `galleryPhotos`
 * of them (a seeded choice) go to the gallery, only the others are pasted.
 */
export function planScenes(settings: SceneSettings, sources: SceneSources): ScenePlan {
  const [short] = sources.people.filter((p) => p.photos.length <= settings.galleryPhotos);
  if (short) {
    throw new SceneGenerationError(`every person needs more than ${settings.galleryPhotos} photos (gallery + at least one to paste); ${short.name} has ${short.photos.length}`, {
      person: short.name,
    });
  }
  if ((settings.standardFrames > 0 || settings.groupFrames > 0) && sources.people.length === 0) {
    throw new SceneGenerationError('no people to paste: the portrait folder has nobody with enough photos');
  }
  if (settings.sampleFrames > 0 && sources.samples.length === 0) throw new SceneGenerationError('sample frames need sample photos');

  // Code-unit order, the same everywhere (no locale); names are folder names, so never equal.
  const people = [...sources.people].sort((a, b) => (a.name < b.name ? -1 : 1));
  const gallery: GalleryPlan[] = [];
  const pools = new Map<string, readonly string[]>();
  for (const person of people) {
    const shuffled = SeededRandom.derive(settings.seed, 'gallery', person.name).shuffle(person.photos);
    gallery.push({ person: person.name, photos: shuffled.slice(0, settings.galleryPhotos).sort() });
    pools.set(person.name, shuffled.slice(settings.galleryPhotos));
  }
  const casting = new Casting(SeededRandom.derive(settings.seed, 'casting'), pools);
  const frames: FramePlan[] = [
    ...Array.from({ length: settings.standardFrames }, (_, i) => planStandardFrame(frameName('standard', i), settings, casting)),
    ...Array.from({ length: settings.groupFrames }, (_, i) => planGroupFrame(frameName('group', i), settings, casting)),
    ...Array.from({ length: settings.sampleFrames }, (_, i) => planSamplesFrame(frameName('samples', i), settings, sources.samples)),
  ];
  return { frames, gallery };
}

