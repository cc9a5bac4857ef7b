import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { PORTRAIT_LAYOUT } from '../../src/domain/scene-plan';
import { SAMPLE_PHOTOS } from '../../src/infrastructure/datasets/sample-photos';
import { REPO_ROOT } from './cli';

export const SAMPLES_DIR = join(REPO_ROOT, 'samples');

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
 * Builds a folder with LFW's layout (`images/<Name>/<Name>_000N.jpg`) from
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
