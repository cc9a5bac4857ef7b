import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { FrameKind } from '../../domain/scene-plan';
import { DatasetError } from './dataset-error';

/**
 * `scenes.json`, the ground truth of a generated scene set: written by
 * `facerec scenes`, read by `facerec eval scenes`.
 */
export const SCENE_MANIFEST_VERSION = 1;
export const SCENE_MANIFEST_FILE = 'scenes.json';
export const SCENE_FRAMES_DIR = 'frames';
export const SCENE_GALLERY_DIR = 'gallery';

export interface SceneManifestFace {
  /** [x1, y1, x2, y2] in frame pixels. */
  readonly box: readonly [number, number, number, number];
  readonly bucket: number;
  /** Gallery id (folder name under gallery/), or null for a person not in the gallery. */
  readonly person: string | null;
  readonly source: string;
}

export interface SceneManifestFrame {
  /** Relative to the manifest's folder. */
  readonly file: string;
  readonly kind: FrameKind;
  readonly width: number;
  readonly height: number;
  readonly faces: readonly SceneManifestFace[];
  /** How the frame was painted (background, lighting, finish, pasted photos): for looking into results, not read by the evaluation. */
  readonly look: unknown;
}

export interface SceneManifest {
  readonly version: number;
  readonly seed: number;
  /** Every generator setting, and the sharp/libvips versions the bytes depend on. */
  readonly generator: Readonly<Record<string, unknown>>;
  /** How the face boxes were defined. */
  readonly groundTruth: Readonly<Record<string, unknown>>;
  readonly gallery: { readonly dir: string; readonly people: number; readonly photosPerPerson: number };
  readonly frames: readonly SceneManifestFrame[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
/** Inside the manifest's folder: relative, no `..` segment. */
const isInsidePath = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && !isAbsolute(value) && !value.split(/[\\/]/).includes('..');

function checkFace(face: unknown, where: string): SceneManifestFace {
  if (!isRecord(face)) throw new DatasetError(`${where} is not an object`);
  const { box, bucket, person, source } = face;
  const corners: unknown[] = Array.isArray(box) ? box : [];
  const [x1, y1, x2, y2] = corners as number[];
  if (corners.length !== 4 || !corners.every(isFiniteNumber) || (x2 as number) <= (x1 as number) || (y2 as number) <= (y1 as number)) {
    throw new DatasetError(`${where}.box must be [x1, y1, x2, y2] with x2 > x1 and y2 > y1`);
  }
  if (!isFiniteNumber(bucket)) throw new DatasetError(`${where}.bucket must be a number`);
  if (person !== null && typeof person !== 'string') throw new DatasetError(`${where}.person must be a gallery id or null`);
  return { box: [x1, y1, x2, y2] as SceneManifestFace['box'], bucket, person, source: String(source) };
}

function checkFrame(frame: unknown, where: string): SceneManifestFrame {
  if (!isRecord(frame)) throw new DatasetError(`${where} is not an object`);
  const { file, kind, width, height, faces, look } = frame;
  if (!isInsidePath(file)) throw new DatasetError(`${where}.file must be a path inside the scene folder`);
  if (typeof kind !== 'string') throw new DatasetError(`${where}.kind must be a string`);
  if (!isFiniteNumber(width) || !isFiniteNumber(height)) throw new DatasetError(`${where} needs width and height`);
  if (!Array.isArray(faces)) throw new DatasetError(`${where}.faces must be a list`);
  return { file, kind: kind as FrameKind, width, height, faces: faces.map((f, i) => checkFace(f, `${where}.faces[${i}]`)), look };
}

/** Parses and checks what the evaluation relies on; `where` names the file in errors. */
export function parseSceneManifest(text: string, where: string): SceneManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(`${where} is not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(json)) throw new DatasetError(`${where} is not a scene manifest`);
  if (json.version !== SCENE_MANIFEST_VERSION) throw new DatasetError(`${where} has version ${String(json.version)}; this build reads version ${SCENE_MANIFEST_VERSION}`);
  const { seed, generator, groundTruth, gallery, frames } = json;
  if (!isFiniteNumber(seed) || !isRecord(generator) || !isRecord(groundTruth)) throw new DatasetError(`${where} needs seed, generator and groundTruth`);
  if (!isRecord(gallery) || !isInsidePath(gallery.dir) || !isFiniteNumber(gallery.people) || !isFiniteNumber(gallery.photosPerPerson)) {
    throw new DatasetError(`${where}.gallery must name its folder, people and photosPerPerson`);
  }
  if (!Array.isArray(frames)) throw new DatasetError(`${where}.frames must be a list`);
  return {
    version: SCENE_MANIFEST_VERSION,
    seed,
    generator,
    groundTruth,
    gallery: { dir: gallery.dir, people: gallery.people, photosPerPerson: gallery.photosPerPerson },
    frames: frames.map((f, i) => checkFrame(f, `${where}.frames[${i}]`)),
  };
}

export async function readSceneManifest(dir: string): Promise<SceneManifest> {
  const path = join(dir, SCENE_MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new DatasetError(`no ${SCENE_MANIFEST_FILE} in ${dir}: generate the scenes first (facerec scenes --lfw <dir> --out ${dir})`);
  }
  return parseSceneManifest(text, path);
}
