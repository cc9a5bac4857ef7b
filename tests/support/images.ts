import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { BoundingBox } from '../../src/domain/geometry';

/**
 * Test images built at test time: synthetic pictures without faces, PNGs
 * with a hand-written header, and group photos tiled from single portraits.
 */

const pngChunk = (type: string, data: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
};

/**
 * A valid PNG signature and IHDR declaring width × height 8-bit RGB, followed
 * by an IDAT holding a single row: the header is what a decompression bomb
 * looks like, while the file stays a few hundred bytes.
 */
export function pngDeclaring(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type RGB; compression, filter, interlace stay 0
  const oneRow = deflateSync(Buffer.alloc(1 + width * 3));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', oneRow),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Deterministic RGB noise (a linear congruential generator), encoded as PNG. */
export function noisePng(width: number, height: number, seed = 12345): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let state = seed >>> 0;
  for (let i = 0; i < pixels.length; i += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    pixels[i] = state >>> 24;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** A smooth two-axis colour gradient, encoded as JPEG. */
export function gradientJpeg(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      pixels.set([Math.round((255 * x) / (width - 1)), Math.round((255 * y) / (height - 1)), 128], (y * width + x) * 3);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg().toBuffer();
}

/** A portrait (tests/support/portraits.ts: one face, filling most of it) scaled to a `size` × `size` tile. */
export const portraitTile = (photo: Buffer, size: number): Promise<Buffer> => sharp(photo).resize(size, size).toBuffer();

export interface GroupPhoto {
  readonly image: Buffer;
  readonly width: number;
  readonly height: number;
  /** Where each tile lies, row by row. */
  readonly tiles: readonly BoundingBox[];
}

/** Tiles portraits (square, `tile` px) on a grey canvas in a cols × rows grid with `gap` px between and around them. */
export async function groupPhoto(portraits: readonly Buffer[], cols: number, tile: number, gap: number): Promise<GroupPhoto> {
  const rows = Math.ceil(portraits.length / cols);
  const width = cols * tile + (cols + 1) * gap;
  const height = rows * tile + (rows + 1) * gap;
  const tiles = portraits.map((_, i) => {
    const x1 = gap + (i % cols) * (tile + gap);
    const y1 = gap + Math.floor(i / cols) * (tile + gap);
    return { x1, y1, x2: x1 + tile, y2: y1 + tile };
  });
  const image = await sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite(portraits.map((input, i) => ({ input, left: (tiles[i] as BoundingBox).x1, top: (tiles[i] as BoundingBox).y1 })))
    .jpeg({ quality: 92 })
    .toBuffer();
  return { image, width, height, tiles };
}
