import {
  CONSUMER_GROUP,
  consumers,
  DEAD_LETTER_STREAM,
  queueStream,
  readAsGhost,
  readStream,
  runTag,
  tallyResults,
  waitForDrainedQueue,
  waitForResults,
  type FrameSpec,
  type StreamEntry,
} from '../../support/frames';
import { loadPortraits } from '../../support/portraits';
import { clusterServiceEnv, pushFrameToCluster, useRuntimeCluster, type ClusterPushedFrame } from '../../support/runtime-cluster';
import { ServiceProcess, waitFor } from '../../support/service-process';

/**
 * Acceptance (Redis Cluster, REDIS_CLUSTER=true): the frames a dead consumer
 * left pending are taken over with XAUTOCLAIM and published once each; bad
 * frames go to the dead-letter stream (another slot than the queue) on their
 * first delivery with their fields and the reason, and a frame delivered more
 * often than MAX_ATTEMPTS is dead-lettered as max_attempts.
 */

jest.setTimeout(300_000);

describe('service runtime on a Redis Cluster: reclaim and dead-lettering', () => {
  const rc = useRuntimeCluster({ stopServicesAfterEach: true });

  const deadLettersOf = async (processorId: string): Promise<Map<string, StreamEntry>> =>
    new Map(
      (await readStream(rc.client, DEAD_LETTER_STREAM))
        .filter((e) => e.fields.dlq_source_stream === queueStream(processorId))
        .map((e) => [e.fields.dlq_entry_id ?? '', e]),
    );

  it("reclaims a dead consumer's pending frames (XAUTOCLAIM) and publishes one result for each", async () => {
    const processorId = `cl-claim-${runTag()}`;
    const images = loadPortraits(10);
    const frames: ClusterPushedFrame[] = [];
    for (let i = 0; i < 10; i += 1) {
      frames.push(await pushFrameToCluster(rc.producer, processorId, { frameId: `${processorId}-f-${i}`, image: images[i] as Buffer, mode: i % 2 === 0 ? 'binary' : 'frame-key' }));
    }
    const ghostIds = await readAsGhost(rc.client, processorId, 'ghost', 6);
    expect(ghostIds).toEqual(frames.slice(0, 6).map((f) => f.entryId));

    const service = await ServiceProcess.start(
      clusterServiceEnv(rc.cluster, { PROCESSOR_ID: processorId, CONSUMER_NAME: 'survivor', CLAIM_IDLE_MS: '2000', CLAIM_INTERVAL_MS: '500' }),
    );
    await service.waitUntilConsuming();
    const ids = frames.map((f) => f.frameId);
    expect(await waitForResults(rc.client, ids, 180_000, () => service.tail())).toEqual({ missing: [], duplicated: {}, once: ids.length });
    expect(await waitForDrainedQueue(rc.client, processorId)).toEqual({ length: 0, pending: 0 });
    const reclaimed = service.logsMatching('reclaimed frames idle on other consumers').reduce((n, line) => n + Number(line.count), 0);
    expect(reclaimed).toBe(ghostIds.length);
    expect((await consumers(rc.client, processorId)).map((c) => [c.name, c.pending]).sort()).toEqual([
      ['ghost', 0],
      ['survivor', 0],
    ]);
    expect([...(await deadLettersOf(processorId)).values()]).toEqual([]);
    expect(await service.terminate()).toEqual({ code: 0, signal: null });
  });

  it('dead-letters bad frames on their first delivery and a frame past MAX_ATTEMPTS as max_attempts, and publishes the good ones', async () => {
    const processorId = `cl-dlq-${runTag()}`;
    const [jpeg, good1, good2, exhaustedImage] = loadPortraits(4) as [Buffer, Buffer, Buffer, Buffer];
    const bad: { readonly reason: string; readonly spec: (id: string) => FrameSpec }[] = [
      { reason: 'invalid_frame', spec: (id) => ({ frameId: id, image: jpeg, mode: 'binary', omit: ['frame_id'] }) },
      { reason: 'invalid_frame', spec: (id) => ({ frameId: id, fields: { image_data: 'not base64 at all!' } }) },
      { reason: 'image_decode_error', spec: (id) => ({ frameId: id, image: Buffer.from('not a JPEG\n'.repeat(30)) }) },
      { reason: 'image_not_found', spec: (id) => ({ frameId: id }) },
      { reason: 'forbidden_image_path', spec: (id) => ({ frameId: id, metadata: { image_path: '../etc/passwd' } }) },
    ];

    // Delivered twice already (two consumers that died), so the service's delivery is the third, past MAX_ATTEMPTS=2.
    const exhausted = await pushFrameToCluster(rc.producer, processorId, { frameId: `${processorId}-exhausted`, image: exhaustedImage, mode: 'binary' });
    expect(await readAsGhost(rc.client, processorId, 'ghost-1', 1)).toEqual([exhausted.entryId]);
    await rc.client.xclaim(queueStream(processorId), CONSUMER_GROUP, 'ghost-2', 0, exhausted.entryId);

    const badFrames = new Map<string, { reason: string; frame: ClusterPushedFrame }>();
    for (const [i, kind] of bad.entries()) {
      const frame = await pushFrameToCluster(rc.producer, processorId, kind.spec(`${processorId}-bad-${i}`));
      badFrames.set(frame.entryId, { reason: kind.reason, frame });
    }
    const good = [
      await pushFrameToCluster(rc.producer, processorId, { frameId: `${processorId}-good-1`, image: good1, mode: 'frame-key' }),
      await pushFrameToCluster(rc.producer, processorId, { frameId: `${processorId}-good-2`, image: good2, mode: 'binary' }),
    ];

    const service = await ServiceProcess.start(
      clusterServiceEnv(rc.cluster, { PROCESSOR_ID: processorId, MAX_ATTEMPTS: '2', CLAIM_IDLE_MS: '1000', CLAIM_INTERVAL_MS: '500' }),
    );
    await service.waitUntilConsuming();
    const dead = await waitFor(
      async () => {
        const entries = await deadLettersOf(processorId);
        return entries.size >= badFrames.size + 1 ? entries : undefined;
      },
      { timeoutMs: 120_000, what: () => `${badFrames.size + 1} dead letters\n${service.tail()}` },
    );
    expect(await waitForResults(rc.client, good.map((g) => g.frameId), 120_000, () => service.tail())).toEqual({ missing: [], duplicated: {}, once: 2 });
    expect(await waitForDrainedQueue(rc.client, processorId)).toEqual({ length: 0, pending: 0 });

    expect(dead.size).toBe(badFrames.size + 1);
    for (const [entryId, { reason, frame }] of badFrames) {
      const fields = dead.get(entryId)?.fields ?? {};
      expect({ frame: frame.frameId, reason: fields.dlq_reason, delivery: fields.dlq_delivery_count }).toEqual({ frame: frame.frameId, reason, delivery: '1' });
      expect(fields).toEqual(expect.objectContaining({ ...frame.fields, dlq_error_message: expect.stringMatching(/\S/), dlq_entry_id: entryId }));
    }
    expect(dead.get(exhausted.entryId)?.fields).toEqual(
      expect.objectContaining({ frame_id: exhausted.frameId, dlq_reason: 'max_attempts', dlq_delivery_count: '3', image_bytes: String(exhaustedImage.length) }),
    );
    const allIds = [...[...badFrames.values()].map((b) => b.frame.frameId), exhausted.frameId];
    expect((await tallyResults(rc.client, allIds)).once).toBe(0);
    expect((await consumers(rc.client, processorId)).filter((c) => c.pending > 0)).toEqual([]);
    expect(await service.terminate()).toEqual({ code: 0, signal: null });
  });
});
