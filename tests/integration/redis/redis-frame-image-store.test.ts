import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { FrameDelivery } from '../../../src/application/ports/frame-queue';
import { DependencyUnavailable } from '../../../src/domain/errors';
import { ForbiddenImagePath, FrameImageNotFound, InvalidFrameError, parseFrame } from '../../../src/domain/frame';
import type { RedisClient } from '../../../src/infrastructure/redis/redis-connection';
import { RedisFrameImageStore } from '../../../src/infrastructure/redis/redis-frame-image-store';
import { startRedisServer, type RedisServer } from '../../support/redis-server';
import { closeAll, connect, frameFields } from './redis-test-kit';

const PIXELS = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);
const KEY_TEMPLATE = 'frame:data:{frame_id}';

const delivery = (fields: Record<string, string>, image?: Buffer): FrameDelivery => ({
  entryId: '1-0',
  fields,
  deliveryCount: 1,
  ...(image ? { image } : {}),
});

describe('RedisFrameImageStore', () => {
  let server: RedisServer;
  let client: Redis;
  let base: string;
  let root: string;
  let store: RedisFrameImageStore;

  const fetch = (fields: Record<string, string>, image?: Buffer, using = store): Promise<Uint8Array> =>
    using.fetch(parseFrame(fields), delivery(fields, image));

  beforeAll(async () => {
    server = await startRedisServer();
    client = connect(server.url, 'commands', 'images');
    base = mkdtempSync(join(tmpdir(), 'facerec-images-'));
    root = join(base, 'root');
    mkdirSync(join(root, 'cam-1'), { recursive: true });
    writeFileSync(join(root, 'cam-1', 'f1.jpg'), PIXELS);
    writeFileSync(join(base, 'secret.jpg'), Buffer.from('outside the root'));
    symlinkSync(join(base, 'secret.jpg'), join(root, 'escape.jpg'));
    symlinkSync(join(root, 'cam-1', 'f1.jpg'), join(root, 'alias.jpg'));
    symlinkSync(base, join(root, 'up'));
    store = new RedisFrameImageStore(client, { keyTemplate: KEY_TEMPLATE, imageRoot: root });
  });

  afterAll(async () => {
    await closeAll(client);
    await server?.dispose();
    rmSync(base, { recursive: true, force: true });
  });

  describe('inline images', () => {
    it('decodes base64 image_data', async () => {
      const bytes = await fetch(frameFields('b64', { image_data: PIXELS.toString('base64') }));
      expect(Buffer.from(bytes).equals(PIXELS)).toBe(true);
    });

    it('accepts URL-safe base64 and a data: URL prefix', async () => {
      const urlSafe = PIXELS.toString('base64url');
      expect(Buffer.from(await fetch(frameFields('b64u', { image_data: urlSafe }))).equals(PIXELS)).toBe(true);
      const dataUrl = `data:image/jpeg;base64,${PIXELS.toString('base64')}`;
      expect(Buffer.from(await fetch(frameFields('b64d', { image_data: dataUrl }))).equals(PIXELS)).toBe(true);
    });

    it.each(['not base64!', '@@@@', 'A', 'QUJD=A=='])('rejects invalid base64 %p as an invalid frame', async (text) => {
      await expect(fetch(frameFields('bad', { image_data: text }))).rejects.toBeInstanceOf(InvalidFrameError);
    });

    it('returns the binary image bytes of the delivery', async () => {
      const bytes = await fetch(frameFields('bin'), PIXELS);
      expect(Buffer.from(bytes).equals(PIXELS)).toBe(true);
    });
  });

  describe('files under FRAME_IMAGE_ROOT', () => {
    it('reads a path relative to the root and an absolute path inside it', async () => {
      expect(Buffer.from(await fetch(frameFields('f', { storage_path: 'cam-1/f1.jpg' }))).equals(PIXELS)).toBe(true);
      expect(Buffer.from(await fetch(frameFields('f', { storage_path: join(root, 'cam-1', 'f1.jpg') }))).equals(PIXELS)).toBe(true);
      expect(Buffer.from(await fetch(frameFields('f', { storage_path: 'cam-1/../cam-1/./f1.jpg' }))).equals(PIXELS)).toBe(true);
    });

    it('follows a symbolic link that stays inside the root', async () => {
      expect(Buffer.from(await fetch(frameFields('f', { storage_path: 'alias.jpg' }))).equals(PIXELS)).toBe(true);
    });

    it('uses metadata.storage_path / image_path when storage_path is empty', async () => {
      const fields = frameFields('meta', { metadata: JSON.stringify({ image_path: 'cam-1/f1.jpg' }) });
      expect(Buffer.from(await fetch(fields)).equals(PIXELS)).toBe(true);
    });

    it.each([
      ['.. traversal', '../secret.jpg'],
      ['deep .. traversal', 'cam-1/../../secret.jpg'],
      ['absolute path outside', '/etc/passwd'],
      ['.. traversal to a missing file', '../../nope/none.jpg'],
    ])('refuses %s', async (_name, path) => {
      await expect(fetch(frameFields('evil', { storage_path: path }))).rejects.toBeInstanceOf(ForbiddenImagePath);
    });

    it.each([
      ['a symbolic link to a file outside', 'escape.jpg'],
      ['a file reached through a symbolic link to a directory outside', 'up/secret.jpg'],
    ])('refuses %s', async (_name, path) => {
      await expect(fetch(frameFields('evil', { storage_path: path }))).rejects.toBeInstanceOf(ForbiddenImagePath);
    });

    it('reports a missing file or a directory as not found', async () => {
      await expect(fetch(frameFields('gone', { storage_path: 'cam-1/missing.jpg' }))).rejects.toBeInstanceOf(FrameImageNotFound);
      await expect(fetch(frameFields('dir', { storage_path: 'cam-1' }))).rejects.toBeInstanceOf(FrameImageNotFound);
    });

    it('refuses every file path when no root is configured', async () => {
      const noRoot = new RedisFrameImageStore(client, { keyTemplate: KEY_TEMPLATE, imageRoot: undefined });
      await expect(fetch(frameFields('f', { storage_path: join(root, 'cam-1', 'f1.jpg') }), undefined, noRoot)).rejects.toBeInstanceOf(ForbiddenImagePath);
    });

    it('refuses files above maxFileBytes as too large', async () => {
      const small = new RedisFrameImageStore(client, { keyTemplate: KEY_TEMPLATE, imageRoot: root, maxFileBytes: 4 });
      await expect(fetch(frameFields('f', { storage_path: 'cam-1/f1.jpg' }), undefined, small)).rejects.toMatchObject({ code: 'image_too_large' });
    });
  });

  describe('Redis keys', () => {
    it('reads the key named by metadata.image_key', async () => {
      await client.set('images:cam-1:k1', PIXELS);
      const bytes = await fetch(frameFields('k1', { metadata: JSON.stringify({ image_key: 'images:cam-1:k1' }) }));
      expect(Buffer.from(bytes).equals(PIXELS)).toBe(true);
    });

    it('falls back to FRAME_IMAGE_KEY with {frame_id} and {camera_id} substituted', async () => {
      await client.set('frame:data:k2', PIXELS);
      expect(Buffer.from(await fetch(frameFields('k2'))).equals(PIXELS)).toBe(true);
      const byCamera = new RedisFrameImageStore(client, { keyTemplate: 'img:{camera_id}:{frame_id}' });
      await client.set('img:cam-1:k3', PIXELS);
      expect(Buffer.from(await fetch(frameFields('k3'), undefined, byCamera)).equals(PIXELS)).toBe(true);
    });

    it('reports a missing (expired) key or a key of another type as not found', async () => {
      await expect(fetch(frameFields('absent'))).rejects.toBeInstanceOf(FrameImageNotFound);
      await client.hset('frame:data:hash', 'a', 'b');
      await expect(fetch(frameFields('hash'))).rejects.toBeInstanceOf(FrameImageNotFound);
    });

    it('maps a Redis failure to DependencyUnavailable', async () => {
      // A connection that gave up (the real outage path is covered by redis-outage.test.ts).
      const failing = { getBuffer: () => Promise.reject(new Error('Reached the max retries per request limit (which is 0).')) } as unknown as RedisClient;
      const unreachable = new RedisFrameImageStore(failing, { keyTemplate: KEY_TEMPLATE });
      const error = await fetch(frameFields('k4'), undefined, unreachable).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyUnavailable);
      expect((error as DependencyUnavailable).context).toMatchObject({ dependency: 'redis', key: 'frame:data:k4' });
    });
  });
});
