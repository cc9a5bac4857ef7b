import { clusterSlot } from '../../../src/infrastructure/redis/redis-keys';
import type { Cluster } from 'ioredis';
import { DEAD_LETTER_STREAM, queueState, queueStream, readStream, RESULT_STREAM, runTag, tallyResults, waitForDrainedQueue, waitForResults } from '../../support/frames';
import { loadPortraits } from '../../support/portraits';
import type { ClusterNode, RedisCluster } from '../../support/redis-cluster';
import { clusterServiceEnv, pushFramesToCluster, useRuntimeCluster, type ClusterPushedFrame } from '../../support/runtime-cluster';
import { waitForResultsWithFramesInFlight } from '../../support/runtime-redis';
import { ServiceProcess, sleep, waitFor } from '../../support/service-process';

/**
 * Acceptance: a master of the Redis Cluster is SIGKILLed while frames flow
 * (a producer XADDs at a steady rate, the service has frames in flight), its
 * replica is promoted, and every frame the producer queued has exactly one
 * result on faces:detected: none lost, none twice, none dead-lettered.
 *
 * Which master matters: the queue's (frames:ready:<id>) and the result
 * stream's (faces:detected, with the frames' markers in its slot) are chosen
 * to be different masters, so that a write lost on one is not matched by a
 * write lost on the other in the same replication stream. Each is killed
 * twice: plainly, and with its replica stalled first (SIGSTOP and a
 * replication backlog past the socket buffers), so that what the master
 * acknowledged in the last moments is certainly lost in the failover — the
 * asynchronous-replication window, made wide and certain.
 */

jest.setTimeout(420_000);

const FRAMES = 90;
const RATE = 8;

type Target = 'queue' | 'results';

/** A processor id whose queue is served by another master than the result stream. */
async function processorOnOtherMaster(cluster: RedisCluster, prefix: string): Promise<{ processorId: string; queueMaster: ClusterNode; resultMaster: ClusterNode }> {
  const shards = await cluster.shards();
  const masterOfSlot = (slot: number): ClusterNode => {
    const shard = shards.find((s) => s.slots.some(([first, last]) => slot >= first && slot <= last));
    if (!shard) throw new Error(`no master for slot ${slot}`);
    return shard.master;
  };
  const resultMaster = masterOfSlot(clusterSlot(RESULT_STREAM));
  for (;;) {
    const processorId = `${prefix}-${runTag()}`;
    const queueMaster = masterOfSlot(clusterSlot(queueStream(processorId)));
    if (queueMaster !== resultMaster) return { processorId, queueMaster, resultMaster };
  }
}

/** Warning log lines of the service by message and error (first 80 characters), for the run's summary. */
function warningCounts(service: ServiceProcess): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of service.logsMatching((l) => l.level === 40)) {
    const error = typeof line.error === 'object' && line.error !== null ? String((line.error as { message?: unknown }).message ?? '') : String(line.error ?? '');
    // Frame and entry ids vary; what failed does not.
    const key = `${line.msg}${error ? `: ${error.replace(/cl-fo-[\w-]+/g, '<frame>').replace(/\d+-\d+/g, '<id>').slice(0, 160)}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** The queue's state and the producer's entries, for a failure message. */
async function queueReport(client: Cluster, processorId: string, pushed: readonly ClusterPushedFrame[]): Promise<string> {
  const stream = queueStream(processorId);
  const lines = [
    `queue ${stream}: ${JSON.stringify(await queueState(client, processorId))}`,
    `groups: ${JSON.stringify(await client.xinfo('GROUPS', stream).catch((error: Error) => error.message))}`,
    `pushed (frame, entry, XADDs): ${pushed.map((p) => `${p.frameId.replace(/^.*-f-/, 'f-')} ${p.entryId} ${p.attempts}`).join('; ')}`,
  ];
  return lines.join('\n');
}

describe('service runtime on a Redis Cluster: a master killed while frames flow', () => {
  const rc = useRuntimeCluster({ stopServicesAfterEach: true });

  afterEach(async () => {
    // A failed test may leave a node down or frozen: the next one starts from a whole cluster.
    rc.cluster.resumeReplication();
    for (const node of rc.cluster.nodes) if (!node.server.running) await rc.cluster.restartNode(node);
  });

  it.each<[Target, boolean]>([
    ['queue', false],
    ['results', false],
    ['queue', true],
    ['results', true],
  ])('SIGKILL of the %s master (replica stalled first: %s): after the promotion every frame has exactly one result, none lost', async (target, stall) => {
    const { processorId, queueMaster, resultMaster } = await processorOnOtherMaster(rc.cluster, `cl-fo-${target}`);
    const victim = target === 'queue' ? queueMaster : resultMaster;
    const service = await ServiceProcess.start(clusterServiceEnv(rc.cluster, { PROCESSOR_ID: processorId, CLAIM_IDLE_MS: '3000', CLAIM_INTERVAL_MS: '500' }));
    await service.waitUntilConsuming();

    const prefix = `${processorId}-f`;
    const ids = Array.from({ length: FRAMES }, (_, i) => `${prefix}-${i}`);
    const pushing = pushFramesToCluster(rc.producer, processorId, loadPortraits(20), { prefix, count: FRAMES, ratePerSecond: RATE, mode: 'binary' });
    await waitForResultsWithFramesInFlight(rc.client, processorId, ids, 20, service);

    if (stall) {
      await rc.cluster.stallReplication(victim);
      // Let the service write to the stalled master: results (XADD + marker) or acknowledgements (XACK + XDEL).
      const processedAtStall = Number((await service.health()).body.frames_processed);
      const resultsAtStall = await rc.client.xlen(RESULT_STREAM);
      await waitFor(
        async () => (target === 'results' ? (await rc.client.xlen(RESULT_STREAM)) >= resultsAtStall + 3 : Number((await service.health()).body.frames_processed) >= processedAtStall + 3),
        { timeoutMs: 60_000, intervalMs: 20, what: () => `3 writes to the stalled ${target} master\n${service.tail()}` },
      );
    }
    const failover = await rc.cluster.killMaster(victim);
    await rc.cluster.restartNode(failover.killed);

    const pushed = await pushing;
    expect(pushed.map((p) => p.frameId)).toEqual(ids);
    const tally = await waitForResults(rc.client, ids, 150_000, () => service.tail()).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await queueReport(rc.client, processorId, pushed)}`, { cause: error });
    });
    expect(tally).toEqual({ missing: [], duplicated: {}, once: FRAMES });
    expect(await waitForDrainedQueue(rc.client, processorId, 120_000)).toEqual({ length: 0, pending: 0 });
    const deadLetters = (await readStream(rc.client, DEAD_LETTER_STREAM)).filter((e) => e.fields.dlq_source_stream === queueStream(processorId));
    expect(deadLetters.map((e) => `${e.fields.frame_id}: ${e.fields.dlq_reason} ${e.fields.dlq_error_message}`)).toEqual([]);
    // Settle: no late duplicate.
    await sleep(2000);
    expect(await tallyResults(rc.client, ids)).toEqual({ missing: [], duplicated: {}, once: FRAMES });
    expect(service.alive).toBe(true);
    expect(service.logsMatching((l) => l.level >= 50)).toEqual([]);

    const health = await service.waitForHealth((a) => a.status === 200 && a.body.redis === 'ok', 60_000, 'redis ok after the failover');
    const retriedXadds = pushed.filter((p) => p.attempts > 1).length;
    const duplicates = Number(health.body.frames_processed) - FRAMES;
    console.info(
      `failover of the ${target} master (node ${victim.index}${stall ? ', replica stalled' : ''}): ${FRAMES} frames at ${RATE}/s, ` +
        `replica promoted after ${failover.promotionMs} ms, cluster ok after ${failover.healedMs} ms; ` +
        `producer XADDs redone: ${retriedXadds}; deliveries acknowledged as duplicates: ${duplicates}; ` +
        `frames that failed and were retried: ${service.logsMatching('frame failed; it stays pending and will be redelivered').length}; ` +
        `reclaimed: ${service.logsMatching('reclaimed frames idle on other consumers').reduce((n, line) => n + Number(line.count), 0)}; ` +
        `service warnings: ${JSON.stringify(warningCounts(service))}`,
    );
    expect(await service.terminate()).toEqual({ code: 0, signal: null });
  });
});
