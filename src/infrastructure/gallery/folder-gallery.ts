import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { EnrollmentRequest } from '../../application/use-cases/enroll-identities';

const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/**
 * Reads GALLERY_DIR: one sub-folder per person, named after them, holding
 * their photos (e.g. gallery/Ada_Lovelace/1.jpg). The folder name is the id;
 * underscores become spaces in the display name.
 */
export async function readGalleryFolder(root: string): Promise<EnrollmentRequest[]> {
  const people = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    people.map(async (id) => {
      const files = (await readdir(join(root, id))).filter((f) => PHOTO_EXTENSIONS.has(extname(f).toLowerCase())).sort();
      return { id, name: id.replace(/_/g, ' '), photos: await Promise.all(files.map((f) => readFile(join(root, id, f)))) };
    }),
  );
}
