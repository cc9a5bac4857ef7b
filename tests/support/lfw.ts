import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeUnlessMissing } from './skip';

/**
 * The LFW evaluation data (see its README.md): `LFW_DIR`, or the shared copy
 * beside the checkout. Only the suites that measure accuracy on LFW itself
 * use it, through `describeLfw`, which skips them when the directory is
 * absent and says why in the suite's title; the skip reporter
 * (tests/support/skip-reporter.js) prints that reason in the summary.
 * Tests that just need faces use tests/support/portraits.ts.
 */
export const LFW_DIR = resolve(process.env.LFW_DIR ?? join(__dirname, '..', '..', '..', 'shared', 'datasets', 'lfw'));

export const lfwAvailable = existsSync(join(LFW_DIR, 'pairs.txt')) && existsSync(join(LFW_DIR, 'images'));

/** `describe` when LFW is present; otherwise `describe.skip`, with the reason in the title. */
export const describeLfw = describeUnlessMissing(lfwAvailable ? null : `LFW not found at ${LFW_DIR}; set LFW_DIR to the LFW directory`);

/** Path of image `index` (1-based) of `person`, as laid out in images/<Name>/<Name>_000N.jpg. */
export const lfwImagePath = (person: string, index = 1): string =>
  join(LFW_DIR, 'images', person, `${person}_${String(index).padStart(4, '0')}.jpg`);

export const readLfwImage = (person: string, index = 1): Promise<Buffer> => readFile(lfwImagePath(person, index));
