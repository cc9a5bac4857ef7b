import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * The LFW evaluation data (see its README.md): `LFW_DIR`, or the shared copy
 * beside the checkout. Tests that need it use `describeLfw`, which skips them
 * with a message when the directory is absent.
 */
export const LFW_DIR = resolve(process.env.LFW_DIR ?? join(__dirname, '..', '..', '..', 'shared', 'datasets', 'lfw'));

export const lfwAvailable = existsSync(join(LFW_DIR, 'pairs.txt')) && existsSync(join(LFW_DIR, 'images'));

if (!lfwAvailable) {
  console.warn(`LFW not found at ${LFW_DIR} (set LFW_DIR to the LFW directory): skipping the tests that need it`);
}

/** `describe` when LFW is present, `describe.skip` otherwise. */
export const describeLfw = lfwAvailable ? describe : describe.skip;

/** Path of image `index` (1-based) of `person`, as laid out in images/<Name>/<Name>_000N.jpg. */
export const lfwImagePath = (person: string, index = 1): string =>
  join(LFW_DIR, 'images', person, `${person}_${String(index).padStart(4, '0')}.jpg`);

export const readLfwImage = (person: string, index = 1): Promise<Buffer> => readFile(lfwImagePath(person, index));
