import { existsSync } from 'node:fs';
import { Cluster } from 'ioredis';
import { clusterSlot } from '../../../src/infrastructure/redis/redis-keys';
import { startRedisCluster, type RedisCluster } from '../../support/redis-cluster';

/**
 * The Redis Cluster test helper itself: 3 masters with a replica each; a
 * killed master's replica takes over with what it had replicated; with the
 * replica stalled, what the master acknowledged afterwards is gone after the
 * failover; the killed node comes back as a replica; nothing is left behind.
 */

jest.setTimeout(180_000);

describe('the Redis Cluster test helper', () => {
  let cluster: RedisCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = new Cluster([...cluster.startupNodes], { clusterRetryStrategy: () => 200, retryDelayOnClusterDown: 300, retryDelayOnFailover: 300 });
  });

  afterAll(async () => {
    client?.disconnect();
    await cluster?.dispose();
  });

  /** SET + WAIT 1 in one pipeline (same node, same connection): the value is on the replica when this resolves. */
  const setReplicated = async (key: string, value: string): Promise<void> => {
    expect(await client.pipeline().set(key, value).call('WAIT', 1, 5000).exec()).toEqual([
      [null, 'OK'],
      [null, 1],
    ]);
  };

  it('starts 3 masters with a replica each, covering every slot, and maps keys to slots as the servers do', async () => {
    const shards = await cluster.shards();
    expect(shards).toHaveLength(3);
    expect(shards.map((s) => s.replicas.length)).toEqual([1, 1, 1]);
    expect(shards.flatMap((s) => s.slots).reduce((n, [first, last]) => n + last - first + 1, 0)).toBe(16384);
    for (const key of ['faces:detected', 'frames:ready:face-recognition-1', 'faces:processed:{faces:detected}:g:f', 'frame:data:cam-é-1']) {
      expect({ key, slot: clusterSlot(key) }).toEqual({ key, slot: await cluster.slotOf(key) });
    }
  });

  it('fails a killed master over to its replica, which keeps what it had replicated, and takes the node back as a replica', async () => {
    const key = 'helper:{failover}:value';
    const master = await cluster.masterOf(key);
    const replica = (await cluster.shards()).find((s) => s.master === master)?.replicas[0];
    await setReplicated(key, 'kept');

    const failover = await cluster.killMaster(master);
    expect(failover.killed).toBe(master);
    expect(failover.promoted).toBe(replica);
    expect(failover.healedMs).toBeGreaterThanOrEqual(failover.promotionMs);
    expect(master.server.running).toBe(false);
    expect(await cluster.masterOf(key)).toBe(replica);
    expect(await client.get(key)).toBe('kept');

    await cluster.restartNode(master);
    expect((await cluster.shards()).find((s) => s.master === replica)?.replicas).toEqual([master]);
  });

  it('with the replica stalled, loses what the master acknowledged after the stall, and keeps what was replicated before', async () => {
    const before = 'helper:{stall}:before';
    const after = 'helper:{stall}:after';
    const master = await cluster.masterOf(before);
    await setReplicated(before, 'replicated');

    await cluster.stallReplication(master);
    // Acknowledged by the master, never seen by its replica.
    expect(await client.set(after, 'acknowledged')).toBe('OK');
    expect(await client.get(after)).toBe('acknowledged');
    const failover = await cluster.killMaster(master);
    expect(cluster.nodes.filter((node) => node.server.paused)).toEqual([]);

    expect(await client.get(before)).toBe('replicated');
    expect(await client.get(after)).toBeNull();
    await cluster.restartNode(failover.killed);
  });

  it('stops every process and removes every directory', async () => {
    const dirs = cluster.nodes.map((node) => node.server.dir);
    await cluster.dispose();
    expect(cluster.nodes.map((node) => node.server.running)).toEqual(cluster.nodes.map(() => false));
    expect(dirs.filter((dir) => existsSync(dir))).toEqual([]);
  });
});
