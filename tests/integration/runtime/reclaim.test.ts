import {
  consumers,
  DEAD_LETTER_STREAM,
  pushFrames,
  queueStream,
  readAsGhost,
  readStream,
  runTag,
  waitForDrainedQueue,
} from '../../support/frames';
import { loadPortraits } from '../../support/portraits';
import { useRuntimeRedis, waitForFrameResults } from '../../support/runtime-redis';
import { ServiceProcess } from '../../support/service-process';

/**
 * Acceptance: entries read by a consumer that died without acknowledging
 * them (XREADGROUP as "ghost", never XACK) are taken over by the service with
 * XAUTOCLAIM once idle for CLAIM_IDLE_MS, and each gets exactly one result.
 * Frames the service itself is still processing are not taken over.
 */

jest.setTimeout(240_000);

describe('service runtime: reclaiming the frames of a dead consumer (XAUTOCLAIM)', () => {
  const rt = useRuntimeRedis();



  it('reclaims entries left pending on a dead consumer and publishes one result for each', async () => {
    const processorId = `claim-${runTag()}`;
    const frames = await pushFrames(rt.client, processorId, loadPortraits(12), { prefix: `${processorId}-f`, count: 12 });

    // A replica reads 7 entries and dies: they stay pending on "ghost", and '>' will never deliver them again.
    const ghostIds = await readAsGhost(rt.client, processorId, 'ghost', 7);
    expect(ghostIds).toEqual(frames.slice(0, 7).map((f) => f.entryId));
    expect(await consumers(rt.client, processorId)).toEqual([expect.objectContaining({ name: 'ghost', pending: 7 })]);

    const service = await ServiceProcess.start({
      REDIS_URL: rt.redis.url,
      PROCESSOR_ID: processorId,
      CONSUMER_NAME: 'survivor',
      CLAIM_IDLE_MS: '2000',
      CLAIM_INTERVAL_MS: '500',
    });
    await service.waitUntilConsuming();

    const tally = await waitForFrameResults(rt.client, frames, service);
    expect(tally).toEqual({ missing: [], duplicated: {}, once: frames.length });
    expect(await waitForDrainedQueue(rt.client, processorId)).toEqual({ length: 0, pending: 0 });

    // The ghost's entries went through XAUTOCLAIM (delivery 2, within MAX_ATTEMPTS), each once: logged, nothing dead-lettered.
    const reclaimed = service.logsMatching('reclaimed frames idle on other consumers').reduce((n, line) => n + Number(line.count), 0);
    expect(reclaimed).toBe(ghostIds.length);
    expect(await readStream(rt.client, DEAD_LETTER_STREAM)).toEqual([]);
    const after = await consumers(rt.client, processorId);
    expect(after.find((c) => c.name === 'ghost')?.pending).toBe(0);
    expect(after.find((c) => c.name === 'survivor')?.pending).toBe(0);
    // Results of reclaimed frames carry their own ids, like the others.
    const results = await readStream(rt.client, 'faces:detected');
    for (const frame of frames.slice(0, 7)) {
      expect(results.filter((r) => r.fields.frame_id === frame.frameId)).toEqual([
        expect.objectContaining({ fields: expect.objectContaining({ processor_id: processorId, traceparent: frame.traceparent }) }),
      ]);
    }
    expect(await rt.client.xlen(queueStream(processorId))).toBe(0);
  });
  it('does not take over its own frames while it is still processing them (CLAIM_IDLE_MS shorter than a batch)', async () => {
    const processorId = `selfclaim-${runTag()}`;
    // Up to four batches of 2 in flight, each slower than CLAIM_IDLE_MS (200 ms) on this CPU, and a reclaim
    // every 100 ms. With MAX_ATTEMPTS=1 a second delivery of a frame still in flight would be dead-lettered
    // although the first publishes its result.
    const service = await ServiceProcess.start({
      REDIS_URL: rt.redis.url,
      PROCESSOR_ID: processorId,
      CLAIM_IDLE_MS: '200',
      CLAIM_INTERVAL_MS: '100',
      MAX_ATTEMPTS: '1',
      CAPACITY: '8',
      MAX_BATCH: '2',
    });
    await service.waitUntilConsuming();
    const frames = await pushFrames(rt.client, processorId, loadPortraits(20), { prefix: `${processorId}-f`, count: 24 });
    const tally = await waitForFrameResults(rt.client, frames, service);
    expect(tally).toEqual({ missing: [], duplicated: {}, once: frames.length });
    expect(await waitForDrainedQueue(rt.client, processorId)).toEqual({ length: 0, pending: 0 });
    const health = await service.waitForHealth((a) => a.body.frames_processed === frames.length, 30_000, 'every frame counted');
    expect(health.body).toEqual(expect.objectContaining({ errors_total: 0 }));
    const deadLetters = (await readStream(rt.client, DEAD_LETTER_STREAM)).filter((e) => e.fields.dlq_source_stream === queueStream(processorId));
    expect(deadLetters.map((e) => `${e.fields.frame_id}: ${e.fields.dlq_reason}`)).toEqual([]);
    expect(service.logsMatching('reclaimed frames idle on other consumers')).toEqual([]);
  });
});
