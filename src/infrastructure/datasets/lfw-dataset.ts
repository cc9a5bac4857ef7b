import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IdentificationDataset, PersonPhotos } from '../../application/ports/identification-dataset';
import type { ImagePair, VerificationDataset } from '../../application/ports/verification-dataset';
import { DatasetError } from './dataset-error';

export { DatasetError };

const imagePath = (name: string, index: string): string => {
  const number = Number.parseInt(index, 10);
  if (!Number.isInteger(number) || number < 1) throw new DatasetError(`bad image index '${index}' for ${name}`);
  return join('images', name, `${name}_${String(number).padStart(4, '0')}.jpg`);
};

/** Parses LFW's pairs.txt ("View 2"): a header `folds pairsPerHalf`, then per fold the matched then the mismatched pairs. */
export function parseLfwPairs(text: string): ImagePair[][] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  const header = (lines.shift() ?? '').split(/\s+/).map(Number);
  const [foldCount = Number.NaN, perHalf = Number.NaN] = header;
  if (!Number.isInteger(foldCount) || !Number.isInteger(perHalf) || foldCount < 1 || perHalf < 1) {
    throw new DatasetError(`pairs.txt header must be '<folds> <pairs per half>', got '${header.join(' ')}'`);
  }
  if (lines.length !== foldCount * perHalf * 2) {
    throw new DatasetError(`pairs.txt declares ${foldCount}×${perHalf * 2} pairs but has ${lines.length} lines`);
  }
  const folds: ImagePair[][] = [];
  for (let f = 0; f < foldCount; f += 1) {
    const fold: ImagePair[] = [];
    for (let k = 0; k < perHalf * 2; k += 1) {
      const fields = (lines[f * perHalf * 2 + k] as string).split(/\t| +/);
      if (fields.length === 3) {
        const [name, i, j] = fields as [string, string, string];
        fold.push({ first: imagePath(name, i), second: imagePath(name, j), same: true });
      } else if (fields.length === 4) {
        const [nameA, i, nameB, j] = fields as [string, string, string, string];
        fold.push({ first: imagePath(nameA, i), second: imagePath(nameB, j), same: false });
      } else {
        throw new DatasetError(`pairs.txt line ${f * perHalf * 2 + k + 2} has ${fields.length} fields`);
      }
    }
    folds.push(fold);
  }
  return folds;
}

/** The people with at least 20 photos, one name a line (LFW README): the known people of identification. */
export const KNOWN_PEOPLE_FILE = 'identities-20plus.txt';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A person's photos `<Name>_NNNN.jpg`, by index; other files are not LFW photos and are left out. */
export function photosOf(name: string, files: readonly string[]): string[] {
  const pattern = new RegExp(`^${escapeRegExp(name)}_(\\d+)\\.jpg$`);
  return files
    .flatMap((file) => {
      const index = pattern.exec(file)?.[1];
      return index === undefined ? [] : [{ file, index: Number.parseInt(index, 10) }];
    })
    .sort((a, b) => a.index - b.index)
    .map((photo) => join('images', name, photo.file));
}

/**
 * LFW laid out as in its README: pairs.txt and identities-20plus.txt beside
 * images/<Name>/<Name>_NNNN.jpg. Image ids are paths relative to the root,
 * the same for a photo whether it comes from pairs.txt or from its folder.
 */
export class LfwDataset implements VerificationDataset, IdentificationDataset {
  constructor(private readonly root: string) {}

  async knownPeople(): Promise<PersonPhotos[]> {
    return Promise.all((await this.knownNames()).map((name) => this.personPhotos(name)));
  }

  /** Every other folder under images/. */
  async unknownPeople(): Promise<PersonPhotos[]> {
    const known = new Set(await this.knownNames());
    const folders = await readdir(join(this.root, 'images'), { withFileTypes: true });
    const names = folders.filter((entry) => entry.isDirectory() && !known.has(entry.name)).map((entry) => entry.name).sort();
    return Promise.all(names.map((name) => this.personPhotos(name)));
  }

  async folds(): Promise<ImagePair[][]> {
    let text: string;
    try {
      text = await readFile(join(this.root, 'pairs.txt'), 'utf8');
    } catch {
      throw new DatasetError(`no pairs.txt in ${this.root}: is this the LFW directory?`);
    }
    return parseLfwPairs(text);
  }

  async read(imageId: string): Promise<Uint8Array> {
    return readFile(join(this.root, imageId));
  }

  private async knownNames(): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(join(this.root, KNOWN_PEOPLE_FILE), 'utf8');
    } catch {
      throw new DatasetError(`no ${KNOWN_PEOPLE_FILE} in ${this.root}: is this the LFW directory?`);
    }
    const names = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
    if (names.length === 0) throw new DatasetError(`${KNOWN_PEOPLE_FILE} in ${this.root} names nobody`);
    return names;
  }

  private async personPhotos(name: string): Promise<PersonPhotos> {
    let files: string[];
    try {
      files = await readdir(join(this.root, 'images', name));
    } catch {
      throw new DatasetError(`no folder images/${name} in ${this.root}`);
    }
    const photos = photosOf(name, files);
    if (photos.length === 0) throw new DatasetError(`images/${name} in ${this.root} holds no ${name}_NNNN.jpg photo`);
    return { person: name, photos };
  }
}
