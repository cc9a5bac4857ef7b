import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { FrameDelivery } from '../../application/ports/frame-queue';
import type { FrameImageStore } from '../../application/ports/frame-image-store';
import { DependencyUnavailable, ImageTooLargeError } from '../../domain/errors';
import { ForbiddenImagePath, FrameImageNotFound, InvalidFrameError, locateImage, type Frame } from '../../domain/frame';
import type { RedisClient } from './redis-connection';
import { redisErrorCode } from './stream-codec';

export interface RedisFrameImageStoreOptions {
  /** FRAME_IMAGE_KEY: key template, {frame_id} and {camera_id} are substituted. */
  readonly keyTemplate: string;
  /** FRAME_IMAGE_ROOT: file paths must resolve inside it; unset = every file path is refused. */
  readonly imageRoot?: string | undefined;
  /** Largest image file read from disk, in bytes. Default 64 MiB. */
  readonly maxFileBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;
const DATA_URL_PREFIX = /^data:[^,;]*(;[^,;]*)*;base64,/i;

/** Strict base64 (standard or URL-safe alphabet, optional padding, whitespace ignored, `data:...;base64,` prefix allowed). */
export function decodeBase64Image(text: string): Buffer | null {
  const compact = text.replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  if (compact === '' || !BASE64.test(compact)) return null;
  const unpadded = compact.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return null;
  if (compact.includes('=') && compact.length % 4 !== 0) return null;
  const bytes = Buffer.from(unpadded.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
  return bytes.length > 0 ? bytes : null;
}

/** True when `child` is `root` itself or lies below it (both absolute and normalized). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Resolves a frame's image (claim check) by the rules of locateImage: inline
 * base64 `image_data`, inline binary `image`, a file under FRAME_IMAGE_ROOT,
 * or a Redis key. Permanent problems throw InvalidFrameError /
 * FrameImageNotFound / ForbiddenImagePath / ImageTooLargeError; Redis or
 * file-system failures that a retry may fix throw DependencyUnavailable.
 */
export class RedisFrameImageStore implements FrameImageStore {
  private readonly keyTemplate: string;
  private readonly imageRoot: string | null;
  private readonly maxFileBytes: number;

  constructor(
    private readonly client: RedisClient,
    options: RedisFrameImageStoreOptions,
  ) {
    this.keyTemplate = options.keyTemplate;
    this.imageRoot = options.imageRoot && options.imageRoot.trim() !== '' ? resolve(options.imageRoot) : null;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  async fetch(frame: Frame, delivery: FrameDelivery): Promise<Uint8Array> {
    const hasBinary = delivery.image !== undefined && delivery.image.byteLength > 0;
    const location = locateImage(frame, delivery.fields, hasBinary, this.keyTemplate);
    switch (location.kind) {
      case 'inline':
        if (location.encoding === 'binary') return delivery.image as Uint8Array;
        return this.inlineBase64(frame, delivery.fields.image_data ?? '');
      case 'file':
        return this.readFile(frame, location.path);
      case 'redis-key':
        return this.readKey(frame, location.key);
    }
  }

  private inlineBase64(frame: Frame, text: string): Buffer {
    const bytes = decodeBase64Image(text);
    if (!bytes) throw new InvalidFrameError(`frame ${frame.frameId}: image_data is not valid base64`, { frameId: frame.frameId, field: 'image_data', chars: text.length });
    return bytes;
  }

  private async readFile(frame: Frame, path: string): Promise<Buffer> {
    const context = { frameId: frame.frameId, path };
    if (this.imageRoot === null) {
      throw new ForbiddenImagePath(`frame ${frame.frameId}: file paths are refused (FRAME_IMAGE_ROOT is not set)`, context);
    }
    if (path.includes('\0')) throw new ForbiddenImagePath(`frame ${frame.frameId}: image path contains a NUL byte`, { frameId: frame.frameId });
    // 1. Lexically: '..' must not climb out of the root (checked before touching the disk, so nothing can be probed).
    const candidate = resolve(this.imageRoot, path);
    if (!isInside(this.imageRoot, candidate)) {
      throw new ForbiddenImagePath(`frame ${frame.frameId}: image path is outside FRAME_IMAGE_ROOT`, context);
    }
    // 2. Physically: after following symlinks (of the root too), still inside.
    const root = await this.rootRealPath();
    let real: string;
    try {
      real = await realpath(candidate);
    } catch (error) {
      throw this.fileError(frame, path, error);
    }
    if (!isInside(root, real)) {
      throw new ForbiddenImagePath(`frame ${frame.frameId}: image path leads outside FRAME_IMAGE_ROOT (symbolic link)`, context);
    }
    // 3. Read what was checked (open once, then stat and read the same descriptor).
    try {
      const handle = await open(real, 'r');
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw new FrameImageNotFound(`frame ${frame.frameId}: image path is not a regular file`, context);
        if (stat.size > this.maxFileBytes) {
          throw new ImageTooLargeError(`frame ${frame.frameId}: image file has ${stat.size} bytes, more than ${this.maxFileBytes}`, { ...context, bytes: stat.size });
        }
        const bytes = await handle.readFile();
        if (bytes.length === 0) throw new FrameImageNotFound(`frame ${frame.frameId}: image file is empty`, context);
        return bytes;
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw this.fileError(frame, path, error);
    }
  }

  /** The root with its symlinks resolved (checked on every call: it is one cheap syscall, and the root may be created late). */
  private async rootRealPath(): Promise<string> {
    const root = this.imageRoot as string;
    return realpath(root).catch(() => root);
  }

  private fileError(frame: Frame, path: string, error: unknown): Error {
    if (error instanceof ForbiddenImagePath || error instanceof FrameImageNotFound || error instanceof ImageTooLargeError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    const context = { frameId: frame.frameId, path, errno: code ?? null };
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ELOOP') {
      return new FrameImageNotFound(`frame ${frame.frameId}: no image file at ${path}`, context);
    }
    return new DependencyUnavailable(`frame ${frame.frameId}: cannot read image file ${path}: ${(error as Error).message}`, { dependency: 'filesystem', ...context }, { cause: error });
  }

  private async readKey(frame: Frame, key: string): Promise<Buffer> {
    let bytes: Buffer | null;
    try {
      bytes = await this.client.getBuffer(key);
    } catch (error) {
      if (redisErrorCode(error) === 'WRONGTYPE') {
        throw new FrameImageNotFound(`frame ${frame.frameId}: redis key ${key} does not hold an image`, { frameId: frame.frameId, key });
      }
      throw new DependencyUnavailable(
        `frame ${frame.frameId}: reading image key ${key} failed: ${error instanceof Error ? error.message : String(error)}`,
        { dependency: 'redis', operation: 'GET', frameId: frame.frameId, key, redisError: redisErrorCode(error) },
        { cause: error },
      );
    }
    if (bytes === null || bytes.length === 0) {
      throw new FrameImageNotFound(`frame ${frame.frameId}: no image at redis key ${key} (expired or never stored)`, { frameId: frame.frameId, key });
    }
    return bytes;
  }
}
