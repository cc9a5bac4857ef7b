import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { PortraitPerson } from '../../domain/scene-plan';
import { DatasetError } from './dataset-error';

const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/**
 * People of a folder laid out as LFW is (`images/<Name>/<Name>_0001.jpg`):
 * each with their photo file names in code-unit order, keeping only people
 * with at least `minPhotos` photos, in name order.
 */
export async function readPortraitFolder(root: string, minPhotos: number): Promise<PortraitPerson[]> {
  const images = join(root, 'images');
  let entries;
  try {
    entries = await readdir(images, { withFileTypes: true });
  } catch {
    throw new DatasetError(`no images/ folder in ${root}: portraits must be laid out as LFW is (images/<Name>/*.jpg)`);
  }
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(byName);
  const people = await Promise.all(
    names.map(async (name) => ({
      name,
      photos: (await readdir(join(images, name))).filter((f) => PHOTO_EXTENSIONS.has(extname(f).toLowerCase())).sort(byName),
    })),
  );
  return people.filter((p) => p.photos.length >= minPhotos);
}

export const portraitPath = (root: string, person: string, photo: string): string => join(root, 'images', person, photo);
