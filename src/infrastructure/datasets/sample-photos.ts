import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { SamplePhoto } from '../../domain/scene-plan';
import { DatasetError } from './dataset-error';

export interface SamplePhotoFixture {
  readonly file: string;
  /** SHA-256 of the file the boxes were measured on (the checksums `scripts/provision-samples.mjs` pins). */
  readonly sha256: string;
  readonly width: number;
  readonly height: number;
  /** [x1, y1, x2, y2] of every face in the photo. */
  readonly faces: ReadonlyArray<readonly [number, number, number, number]>;
}

/**
 * The 22 faces of the six colour group photos of `samples/`
 * (@vladmandic/face-api@1.7.15 demo/). Measured once, on 2026-12-02, with
 * `facerec detect samples/sampleN.jpg` at full size (UltraFace RFB-320, model
 * set faceplugin-0.0.1-dynbatch-4; scores 0.944–1.000; faces 150–230 px wide,
 * 209–309 px tall) and checked by eye: each box covers forehead to chin, and
 * no other face is visible in the photos. The boxes follow the WIDER FACE
 * convention that the LFW portrait box is calibrated to (scene-plan.ts).
 * Rounded to whole pixels.
 */
export const SAMPLE_PHOTOS: readonly SamplePhotoFixture[] = [
  {
    file: 'sample1.jpg',
    sha256: '8ecae4b267b2d3169e06e00c7dee97097aa2a94635d45216f7732a5f4943cb51',
    width: 1920,
    height: 1280,
    faces: [
      [420, 359, 601, 595],
      [832, 432, 1033, 647],
      [1459, 213, 1674, 435],
    ],
  },
  {
    file: 'sample2.jpg',
    sha256: '7d2b60ae6f13bf30f422e04df87451081a02c83de469056f25afb44b7000c691',
    width: 1920,
    height: 1367,
    faces: [
      [1444, 163, 1646, 391],
      [365, 127, 537, 413],
      [885, 239, 1056, 462],
    ],
  },
  {
    file: 'sample3.jpg',
    sha256: '8eb081c9efb14370fa94d9feab9e5fbeafd19a627491853a80c2bf67f7ffa936',
    width: 1920,
    height: 1350,
    faces: [
      [592, 332, 794, 611],
      [1073, 204, 1303, 513],
      [1504, 300, 1689, 567],
    ],
  },
  {
    file: 'sample4.jpg',
    sha256: '729efa5923061d40eb4ed5f267a18cc7b8ba6f852bb2757b16d8b7e4937476fc',
    width: 1920,
    height: 1448,
    faces: [
      [992, 182, 1166, 431],
      [269, 194, 424, 440],
      [664, 73, 850, 310],
      [1267, 159, 1420, 406],
    ],
  },
  {
    file: 'sample5.jpg',
    sha256: '6d45095ebb182d8f975c0790e0e4eefd86fbb40609cf4b271776d92e12662938',
    width: 1920,
    height: 1398,
    faces: [
      [1120, 217, 1279, 439],
      [1415, 384, 1594, 666],
      [800, 119, 952, 328],
      [605, 421, 777, 673],
      [378, 888, 553, 1168],
    ],
  },
  {
    file: 'sample6.jpg',
    sha256: '9baad80f9d5e306fb9b8c0913d44445f1e95848df317530efb03d0934c57ba87',
    width: 1920,
    height: 1537,
    faces: [
      [253, 491, 471, 763],
      [1487, 267, 1703, 558],
      [1174, 313, 1360, 586],
      [682, 325, 848, 630],
    ],
  },
];

export interface LoadedSamplePhotos {
  readonly photos: readonly SamplePhoto[];
  readonly bytes: ReadonlyMap<string, Uint8Array>;
}

/**
 * Reads the six sample photos from `dir` and checks that they are the files
 * the face boxes were measured on (checksum and size), since a box is only
 * ground truth for its own photo.
 */
export async function loadSamplePhotos(dir: string): Promise<LoadedSamplePhotos> {
  const bytes = new Map<string, Uint8Array>();
  const photos: SamplePhoto[] = [];
  for (const fixture of SAMPLE_PHOTOS) {
    const path = join(dir, fixture.file);
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch {
      throw new DatasetError(`sample photo ${path} is missing: run npm ci (or npm run provision), or pass --samples <dir>, or --sample-frames 0`);
    }
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (sha256 !== fixture.sha256) throw new DatasetError(`${path} is not the photo its face boxes were measured on (SHA-256 ${sha256}, expected ${fixture.sha256})`);
    // As the pipeline's decoder sees it: EXIF orientation applied.
    const { width, height } = (await sharp(data).metadata()).autoOrient;
    if (width !== fixture.width || height !== fixture.height) {
      throw new DatasetError(`${path} is ${width}×${height}, expected ${fixture.width}×${fixture.height}`);
    }
    bytes.set(fixture.file, data);
    photos.push({
      file: fixture.file,
      width: fixture.width,
      height: fixture.height,
      faces: fixture.faces.map(([x1, y1, x2, y2]) => ({ x1, y1, x2, y2 })),
    });
  }
  return { photos, bytes };
}
