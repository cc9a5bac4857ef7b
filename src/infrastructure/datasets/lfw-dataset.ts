import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

/** LFW laid out as in its README: pairs.txt beside images/<Name>/<Name>_NNNN.jpg. */
export class LfwDataset implements VerificationDataset {
  constructor(private readonly root: string) {}

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
}
