import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONSUMER_GROUP,
  consumers,
  DEAD_LETTER_STREAM,
  pushFrame,
  queueStream,
  readAsGhost,
  readStream,
  runTag,
  tallyResults,
  waitForDrainedQueue,
  waitForResults,
  type FrameSpec,
  type PushedFrame,
  type StreamEntry,
} from '../../support/frames';
import { loadPortraits, portraitPaths } from '../../support/portraits';
import { noisePng } from '../../support/images';
import { useRuntimeRedis, waitForFrameResults } from '../../support/runtime-redis';
import { ServiceProcess, waitFor } from '../../support/service-process';

/**
 * Acceptance: a frame that no retry can fix goes to faces:dead-letter on its
 * first delivery, with its original fields plus dlq_reason /
 * dlq_error_type / dlq_error_message, and leaves the queue; a frame delivered
 * more often than MAX_ATTEMPTS is dead-lettered with reason max_attempts.
 */

jest.setTimeout(240_000);

interface BadFrame {
  readonly name: string;
  readonly reason: string;
  readonly spec: (id: string) => FrameSpec;
}

describe('service runtime: dead-lettering', () => {
  const rt = useRuntimeRedis();
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'facerec-dlq-'));
  });

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
  });

  /** Dead-letter entries keyed by the queue entry they came from. */
  async function deadLettersBySource(): Promise<Map<string, StreamEntry>> {
    return new Map((await readStream(rt.client, DEAD_LETTER_STREAM)).map((e) => [e.fields.dlq_entry_id ?? '', e]));
  }

  it('dead-letters each kind of bad input on its first delivery and keeps the good frames flowing', async () => {
    const processorId = `dlq-${runTag()}`;
    const [portrait, secret] = portraitPaths(2) as [string, string];
    const root = join(work, 'frames');
    mkdirSync(root);
    copyFileSync(portrait, join(root, 'portrait.jpg'));
    writeFileSync(join(root, 'empty.jpg'), Buffer.alloc(0));
    // A real JPEG beside (not inside) the image root: what a path traversal would reach.
    copyFileSync(secret, join(work, 'secret.jpg'));
    const jpeg = loadPortraits(1)[0] as Buffer;
    const tinyPng = await noisePng(4, 4);

    const bad: BadFrame[] = [
      { name: 'missing frame_id', reason: 'invalid_frame', spec: (id) => ({ frameId: id, image: jpeg, omit: ['frame_id'] }) },
      { name: 'invalid JSON in metadata', reason: 'invalid_frame', spec: (id) => ({ frameId: id, image: jpeg, fields: { metadata: '{"image_key": "frame:data:x",' } }) },
      { name: 'metadata not an object', reason: 'invalid_frame', spec: (id) => ({ frameId: id, image: jpeg, fields: { metadata: '[1, 2]' } }) },
      { name: 'inline image_data not base64', reason: 'invalid_frame', spec: (id) => ({ frameId: id, fields: { image_data: 'not base64 at all!' } }) },
      { name: 'undecodable image bytes (text)', reason: 'image_decode_error', spec: (id) => ({ frameId: id, image: Buffer.from('this is a text file, not a JPEG\n'.repeat(20)) }) },
      { name: 'truncated JPEG', reason: 'image_decode_error', spec: (id) => ({ frameId: id, image: jpeg.subarray(0, 300) }) },
      { name: 'empty image under the frame key', reason: 'image_not_found', spec: (id) => ({ frameId: id, image: Buffer.alloc(0) }) },
      { name: 'empty image file', reason: 'image_not_found', spec: (id) => ({ frameId: id, metadata: { image_path: 'empty.jpg' } }) },
      { name: 'image smaller than MIN_IMAGE_SIDE', reason: 'invalid_image', spec: (id) => ({ frameId: id, mode: 'inline', image: tinyPng }) },
      { name: 'missing image key', reason: 'image_not_found', spec: (id) => ({ frameId: id }) },
      { name: 'missing metadata.image_key', reason: 'image_not_found', spec: (id) => ({ frameId: id, metadata: { image_key: `frame:gone:${id}` } }) },
      { name: 'missing image file', reason: 'image_not_found', spec: (id) => ({ frameId: id, metadata: { image_path: 'nowhere.jpg' } }) },
      { name: 'path traversal (..)', reason: 'forbidden_image_path', spec: (id) => ({ frameId: id, metadata: { image_path: '../secret.jpg' } }) },
      { name: 'path traversal (absolute)', reason: 'forbidden_image_path', spec: (id) => ({ frameId: id, metadata: { image_path: join(work, 'secret.jpg') } }) },
      { name: 'path traversal (storage_path)', reason: 'forbidden_image_path', spec: (id) => ({ frameId: id, fields: { storage_path: '../../../../../../etc/passwd' } }) },
    ];

    const service = await ServiceProcess.start({ REDIS_URL: rt.redis.url, PROCESSOR_ID: processorId, FRAME_IMAGE_ROOT: root, CAPACITY: '4', MAX_BATCH: '4' });
    await service.waitUntilConsuming();

    // Bad frames interleaved with good ones (an image inside the root, a picture without a face).
    const pushedBad = new Map<string, { kind: BadFrame; frame: PushedFrame }>();
    const good: PushedFrame[] = [];
    const noFace = await noisePng(64, 64, 7);
    for (const [i, kind] of bad.entries()) {
      const frame = await pushFrame(rt.client, processorId, kind.spec(`${processorId}-bad-${i}`));
      pushedBad.set(frame.entryId, { kind, frame });
      if (i % 5 === 0) good.push(await pushFrame(rt.client, processorId, { frameId: `${processorId}-file-${i}`, metadata: { image_path: 'portrait.jpg' } }));
      if (i % 5 === 2) good.push(await pushFrame(rt.client, processorId, { frameId: `${processorId}-noface-${i}`, image: noFace, mode: 'binary' }));
    }

    const dead = await waitFor(
      async () => {
        const entries = await deadLettersBySource();
        return entries.size >= pushedBad.size ? entries : undefined;
      },
      { timeoutMs: 120_000, what: () => `${pushedBad.size} dead letters\n${service.tail()}` },
    );
    const tally = await waitForFrameResults(rt.client, good, service);
    expect(tally).toEqual({ missing: [], duplicated: {}, once: good.length });
    expect(await waitForDrainedQueue(rt.client, processorId)).toEqual({ length: 0, pending: 0 });

    expect(dead.size).toBe(pushedBad.size);
    for (const [entryId, { kind, frame }] of pushedBad) {
      const entry = dead.get(entryId);
      const fields = entry?.fields ?? {};
      // One place to read every mismatch of one kind.
      expect({ kind: kind.name, reason: fields.dlq_reason, delivery: fields.dlq_delivery_count }).toEqual({ kind: kind.name, reason: kind.reason, delivery: '1' });
      expect(fields).toEqual(
        expect.objectContaining({
          ...frame.fields,
          dlq_error_type: expect.stringMatching(/^[A-Z]\w+$/),
          dlq_error_message: expect.stringMatching(/\S/),
          dlq_source_stream: queueStream(processorId),
          dlq_entry_id: entryId,
          dlq_at: expect.any(String),
        }),
      );
    }
    // A dead-lettered frame has no result; a frame without a face has a result with no faces.
    const results = await tallyResults(
      rt.client,
      [...pushedBad.values()].map((b) => b.frame.frameId),
    );
    expect(results.once).toBe(0);
    for (const frame of good.filter((g) => g.frameId.includes('-noface-'))) {
      const entry = (await readStream(rt.client, 'faces:detected')).find((e) => e.fields.frame_id === frame.frameId);
      expect(entry?.fields.faces_count).toBe('0');
    }
    await waitFor(() => service.logsMatching('frame dead-lettered').length >= pushedBad.size, { timeoutMs: 30_000, what: 'the dead-letter log lines' });
    expect(service.logsMatching('frame dead-lettered')).toHaveLength(pushedBad.size);
    const health = await service.waitForHealth((a) => a.body.frames_processed === good.length && a.body.errors_total === pushedBad.size, 30_000, 'the counters');
    expect(health).toEqual({ status: 200, body: expect.objectContaining({ status: 'healthy', redis: 'ok' }) });
    expect(service.alive).toBe(true);
  });

  it('dead-letters a frame delivered more often than MAX_ATTEMPTS (reason max_attempts), and processes one still within the limit', async () => {
    const processorId = `maxatt-${runTag()}`;
    const [imageA, imageB] = loadPortraits(2) as [Buffer, Buffer];
    const exhausted = await pushFrame(rt.client, processorId, { frameId: `${processorId}-exhausted`, image: imageA });
    const withinLimit = await pushFrame(rt.client, processorId, { frameId: `${processorId}-within`, image: imageB });

    // Delivery 1: a replica reads both and dies without acknowledging.
    expect(await readAsGhost(rt.client, processorId, 'ghost-1', 10)).toEqual([exhausted.entryId, withinLimit.entryId]);
    // Delivery 2 of one of them: another replica claims it, and dies too.
    await rt.client.xclaim(queueStream(processorId), CONSUMER_GROUP, 'ghost-2', 0, exhausted.entryId);

    // The service reclaims both: the first is on delivery 3 > MAX_ATTEMPTS=2, the second on delivery 2.
    const service = await ServiceProcess.start({
      REDIS_URL: rt.redis.url,
      PROCESSOR_ID: processorId,
      MAX_ATTEMPTS: '2',
      CLAIM_IDLE_MS: '1000',
      CLAIM_INTERVAL_MS: '500',
    });
    await service.waitUntilConsuming();
    const tally = await waitForResults(rt.client, [withinLimit.frameId], 120_000, () => service.tail());
    expect(tally.once).toBe(1);
    const dead = await waitFor(async () => (await deadLettersBySource()).get(exhausted.entryId), {
      timeoutMs: 60_000,
      what: () => `the dead letter of ${exhausted.frameId}\n${service.tail()}`,
    });
    expect(dead.fields).toEqual(
      expect.objectContaining({
        ...exhausted.fields,
        dlq_reason: 'max_attempts',
        dlq_error_type: expect.stringMatching(/\S/),
        dlq_error_message: expect.stringContaining('MAX_ATTEMPTS=2'),
        dlq_delivery_count: '3',
        dlq_entry_id: exhausted.entryId,
      }),
    );
    expect((await tallyResults(rt.client, [exhausted.frameId])).missing).toEqual([exhausted.frameId]);
    expect(await waitForDrainedQueue(rt.client, processorId)).toEqual({ length: 0, pending: 0 });
    expect((await consumers(rt.client, processorId)).filter((c) => c.pending > 0)).toEqual([]);
    await service.waitForLog((l) => l.msg === 'frame dead-lettered' && l.reason === 'max_attempts', 30_000);
    expect(service.logsMatching('frame dead-lettered')).toHaveLength(1);
  });
});
