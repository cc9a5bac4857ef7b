import { processedMarkerKey } from '../../../src/infrastructure/redis/redis-keys';
import {
  CONSUMER_GROUP,
  DEAD_LETTER_STREAM,
  queueStream,
  readAsGhost,
  readStream,
  RESULT_STREAM,
  runTag,
  tallyResults,
  waitForDrainedQueue,
  waitForResults,
  type ImageMode,
} from '../../support/frames';
import { loadPortraits } from '../../support/portraits';
import { clusterServiceEnv, pushFrameToCluster, useRuntimeCluster, type ClusterPushedFrame } from '../../support/runtime-cluster';
import { ServiceProcess, waitFor } from '../../support/service-process';

/**
 * Acceptance (Redis Cluster, 3 masters + 3 replicas, REDIS_CLUSTER=true):
 * frames in every image mode each get exactly one result and leave the
 * queue; a frame queued twice, or redelivered after another consumer
 * published its result and died before acknowledging, is published once.
 */

jest.setTimeout(300_000);

const MODES: readonly ImageMode[] = ['frame-key', 'image-key', 'inline', 'binary'];
const PER_MODE = 3;

describe('service runtime on a Redis Cluster: consumption and idempotent publication', () => {
  const rc = useRuntimeCluster({ stopServicesAfterEach: true });

  it('publishes exactly one result per frame for every way of passing the image, and empties the queue', async () => {
    const processorId = `cl-consume-${runTag()}`;
    const service = await ServiceProcess.start(clusterServiceEnv(rc.cluster, { PROCESSOR_ID: processorId, CONSUMER_NAME: 'cl-consume-a' }));
    await service.waitUntilConsuming();

    const images = loadPortraits(MODES.length * PER_MODE);
    const pushed: ClusterPushedFrame[] = [];
    for (const [m, mode] of MODES.entries()) {
      for (let i = 0; i < PER_MODE; i += 1) {
        pushed.push(await pushFrameToCluster(rc.producer, processorId, { frameId: `${processorId}-${mode}-${i}`, image: images[m * PER_MODE + i] as Buffer, mode }));
      }
    }
    const ids = pushed.map((p) => p.frameId);
    expect(await waitForResults(rc.client, ids, 180_000, () => service.tail())).toEqual({ missing: [], duplicated: {}, once: ids.length });

    const results = (await readStream(rc.client, RESULT_STREAM)).filter((e) => ids.includes(e.fields.frame_id ?? ''));
    for (const frame of pushed) {
      const fields = results.find((r) => r.fields.frame_id === frame.frameId)?.fields;
      expect(fields).toEqual(expect.objectContaining({ frame_id: frame.frameId, processor_id: processorId, traceparent: frame.traceparent, faces_count: '1' }));
    }
    expect(await waitForDrainedQueue(rc.client, processorId)).toEqual({ length: 0, pending: 0 });
    const deadLetters = (await readStream(rc.client, DEAD_LETTER_STREAM)).filter((e) => e.fields.dlq_source_stream === queueStream(processorId));
    expect(deadLetters).toEqual([]);
    const health = await service.waitForHealth((a) => a.body.frames_processed === ids.length, 30_000, `frames_processed = ${ids.length}`);
    expect(health).toEqual({ status: 200, body: expect.objectContaining({ status: 'healthy', redis: 'ok', errors_total: 0 }) });
    expect(service.logsMatching((l) => l.level >= 50)).toEqual([]);
    expect(await service.terminate()).toEqual({ code: 0, signal: null });
  });

  it('publishes a frame queued twice once, and a frame whose result a dead consumer published before acknowledging not again', async () => {
    const processorId = `cl-once-${runTag()}`;
    const [imageA, imageB, imageC] = loadPortraits(3) as [Buffer, Buffer, Buffer];

    // 1. A consumer that published the result of this frame and died before its XACK (the cluster's step 2):
    //    the entry is pending on it, the result and the marker exist.
    const orphan = await pushFrameToCluster(rc.producer, processorId, { frameId: `${processorId}-orphan`, image: imageA, mode: 'binary' });
    expect(await readAsGhost(rc.client, processorId, 'dead-after-publish', 1)).toEqual([orphan.entryId]);
    const earlierResult = await rc.client.xadd(RESULT_STREAM, '*', 'frame_id', orphan.frameId, 'processor_id', processorId, 'published_by', 'dead-after-publish');
    await rc.client.set(processedMarkerKey(RESULT_STREAM, CONSUMER_GROUP, orphan.frameId), earlierResult as string, 'EX', 3600);

    // 2. The producer queued a frame twice (e.g. it retried an XADD whose reply it lost).
    const twiceFirst = await pushFrameToCluster(rc.producer, processorId, { frameId: `${processorId}-twice`, image: imageB, mode: 'frame-key' });
    const twiceSecond = await pushFrameToCluster(rc.producer, processorId, { frameId: `${processorId}-twice`, image: imageB, mode: 'frame-key' });
    expect(twiceSecond.entryId).not.toBe(twiceFirst.entryId);
    // 3. A plain frame.
    const plain = await pushFrameToCluster(rc.producer, processorId, { frameId: `${processorId}-plain`, image: imageC, mode: 'inline' });

    const service = await ServiceProcess.start(clusterServiceEnv(rc.cluster, { PROCESSOR_ID: processorId, CLAIM_IDLE_MS: '1000', CLAIM_INTERVAL_MS: '500' }));
    await service.waitUntilConsuming();
    const ids = [orphan.frameId, twiceFirst.frameId, plain.frameId];
    expect(await waitForResults(rc.client, ids, 180_000, () => service.tail())).toEqual({ missing: [], duplicated: {}, once: 3 });
    expect(await waitForDrainedQueue(rc.client, processorId)).toEqual({ length: 0, pending: 0 });
    // Four deliveries handled: two published, two acknowledged as duplicates.
    await service.waitForHealth((a) => a.body.frames_processed === 4, 60_000, 'four deliveries handled');
    const results = (await readStream(rc.client, RESULT_STREAM)).filter((e) => ids.includes(e.fields.frame_id ?? ''));
    expect(results.find((r) => r.fields.frame_id === orphan.frameId)?.id).toBe(earlierResult);

    // Settle: nothing comes late.
    await new Promise((done) => setTimeout(done, 1500));
    expect(await tallyResults(rc.client, ids)).toEqual({ missing: [], duplicated: {}, once: 3 });
    expect(await waitFor(async () => (await rc.client.xlen(queueStream(processorId))) === 0)).toBe(true);
    expect(await service.terminate()).toEqual({ code: 0, signal: null });
  });

  it("keeps publishing once every master's script cache is flushed (EVALSHA → NOSCRIPT → EVAL, per node)", async () => {
    const processorId = `cl-noscript-${runTag()}`;
    const service = await ServiceProcess.start(clusterServiceEnv(rc.cluster, { PROCESSOR_ID: processorId, CONSUMER_NAME: 'cl-noscript' }));
    await service.waitUntilConsuming();
    const images = loadPortraits(8);
    const before: ClusterPushedFrame[] = [];
    for (let i = 0; i < 4; i += 1) before.push(await pushFrameToCluster(rc.producer, processorId, { frameId: `${processorId}-before-${i}`, image: images[i] as Buffer, mode: 'binary' }));
    expect(await waitForResults(rc.client, before.map((f) => f.frameId), 180_000, () => service.tail())).toEqual({ missing: [], duplicated: {}, once: 4 });

    // What a failover does to the scripts a connection has loaded, on every master at once.
    const masters = rc.client.nodes('master');
    expect(masters).toHaveLength(3);
    /** NOSCRIPT replies the masters have given so far (INFO errorstats). */
    const noscriptReplies = async (): Promise<number> =>
      (await Promise.all(masters.map((node) => node.info('errorstats')))).reduce((n, info) => n + Number(/errorstat_NOSCRIPT:count=(\d+)/.exec(info)?.[1] ?? 0), 0);
    const noscriptBefore = await noscriptReplies();
    expect(await Promise.all(masters.map((node) => node.script('FLUSH')))).toEqual(['OK', 'OK', 'OK']);

    const after: ClusterPushedFrame[] = [];
    for (let i = 4; i < 8; i += 1) after.push(await pushFrameToCluster(rc.producer, processorId, { frameId: `${processorId}-after-${i}`, image: images[i] as Buffer, mode: 'binary' }));
    expect(await waitForResults(rc.client, after.map((f) => f.frameId), 180_000, () => service.tail())).toEqual({ missing: [], duplicated: {}, once: 4 });
    expect(await waitForDrainedQueue(rc.client, processorId)).toEqual({ length: 0, pending: 0 });
    // The service did hit the flushed caches (so the fallback is what was tested).
    expect(await noscriptReplies()).toBeGreaterThan(noscriptBefore);
    const health = await service.waitForHealth((a) => a.body.frames_processed === 8, 30_000, 'eight frames');
    expect(health.body).toEqual(expect.objectContaining({ errors_total: 0 }));
    expect(await service.terminate()).toEqual({ code: 0, signal: null });
  });
});
