import { existsSync } from 'node:fs';
import { Cluster } from 'ioredis';
import { startRedisCluster, type RedisCluster } from '../../support/redis-cluster';

/**
 * The Redis Cluster test helper itself: 3 masters with a replica each, a
 * master killed and its replica promoted with the data it had replicated,
 * the killed node back as a replica, and nothing left behind.
 */

jest.setTimeout(180_000);

describe('the Redis Cluster test helper', () => {
  let cluster: RedisCluster | undefined;

  afterAll(async () => {
    await cluster?.dispose();
  });

  it('starts 3 masters with a replica each, fails a killed master over to its replica, takes the node back, and cleans up', async () => {
    cluster = await startRedisCluster();
    const shards = await cluster.shards();
    expect(shards).toHaveLength(3);
    expect(shards.map((s) => s.replicas.length)).toEqual([1, 1, 1]);
    expect(shards.flatMap((s) => s.slots).reduce((n, [first, last]) => n + last - first + 1, 0)).toBe(16384);

    const client = new Cluster([...cluster.startupNodes], { clusterRetryStrategy: () => 200 });
    try {
      const key = 'helper:{failover}:value';
      const master = await cluster.masterOf(key);
      const replica = (shards.find((s) => s.master === master)?.replicas ?? [])[0];
      // Written and confirmed by the replica: a failover must keep it.
      const replies = await client.pipeline().set(key, 'kept').call('WAIT', 1, 5000).exec();
      expect(replies).toEqual([
        [null, 'OK'],
        [null, 1],
      ]);

      const failover = await cluster.killMaster(master);
      expect(failover.killed).toBe(master);
      expect(failover.promoted).toBe(replica);
      expect(failover.healedMs).toBeGreaterThanOrEqual(failover.promotionMs);
      expect(master.server.running).toBe(false);
      expect(await cluster.masterOf(key)).toBe(replica);
      expect(await client.get(key)).toBe('kept');

      await cluster.restartNode(master);
      const after = await cluster.shards();
      expect(after.find((s) => s.master === replica)?.replicas).toEqual([master]);
    } finally {
      client.disconnect();
    }

    const dirs = cluster.nodes.map((node) => node.server.dir);
    await cluster.dispose();
    expect(cluster.nodes.map((node) => node.server.running)).toEqual(cluster.nodes.map(() => false));
    expect(dirs.filter((dir) => existsSync(dir))).toEqual([]);
  });
});
