/**
 * A real, throw-away Redis Cluster for integration tests: `masters` masters
 * with `replicasPerMaster` replicas each (default 3 + 3), every node a
 * Debian `redis-server --cluster-enabled yes` process on free ports in its
 * own temporary directory, joined with `redis-cli --cluster create`. A master
 * can be killed (SIGKILL) and its replica's promotion awaited; a killed node
 * can be started again and rejoins as a replica.
 *
 *   const cluster = await startRedisCluster();
 *   ... new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0].port }]) ...
 *   const master = await cluster.masterOf('frames:ready:p1');
 *   const failover = await cluster.killMaster(master);   // resolves once a replica serves its slots
 *   await cluster.restartNode(master);                    // back as a replica of the new master, in sync
 *   await cluster.dispose();                              // every process stopped, every directory removed
 *
 * Failure detection is fast on purpose (`cluster-node-timeout` 1000 ms: a
 * promotion takes 2-4 s here). Without persistence by default: a killed
 * master's data lives on only in what it replicated, which is what a
 * failover keeps.
 */
import { execFile } from 'node:child_process';
import { Redis } from 'ioredis';
import { clusterSlot } from '../../src/infrastructure/redis/redis-keys';
import { findFreePort, startRedisServer, type RedisServer } from './redis-server';

export interface RedisClusterOptions {
  /** Default 3 (the fewest Redis Cluster accepts). */
  readonly masters?: number;
  /** Default 1. */
  readonly replicasPerMaster?: number;
  /** cluster-node-timeout: how long a silent node takes to be marked failed. Default 1000 ms. */
  readonly nodeTimeoutMs?: number;
  /** Append-only file on every node (fsync every second). Default false. */
  readonly appendonly?: boolean;
  /** Longest wait for the cluster to form, or to heal after a kill / restart. Default 60 s. */
  readonly settleTimeoutMs?: number;
  /** The redis-cli binary; default $REDIS_CLI_BIN or `redis-cli` on the PATH. */
  readonly cliBinary?: string;
}

export interface ClusterNode {
  /** 1-based index in `nodes`, for messages. */
  readonly index: number;
  readonly port: number;
  /** The cluster bus port (gossip between nodes). */
  readonly busPort: number;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly server: RedisServer;
}

/** One master and the slots and replicas it has, as the cluster sees them now. */
export interface ShardView {
  readonly master: ClusterNode;
  /** Inclusive [first, last] slot ranges. */
  readonly slots: readonly (readonly [number, number])[];
  /** Replicas attached to this master and not failed. */
  readonly replicas: readonly ClusterNode[];
}

export interface Failover {
  readonly killed: ClusterNode;
  /** The replica now serving the killed master's slots. */
  readonly promoted: ClusterNode;
  /** From the SIGKILL until the replica called itself master. */
  readonly promotionMs: number;
  /** From the SIGKILL until every running node reported cluster_state:ok with the new master. */
  readonly healedMs: number;
}

export interface RedisCluster {
  readonly nodes: readonly ClusterNode[];
  /** The first node's URL: a seed for a cluster client (REDIS_URL with REDIS_CLUSTER=true). */
  readonly seedUrl: string;
  /** Nodes a cluster client may start from (every node, running or not). */
  readonly startupNodes: readonly { readonly host: string; readonly port: number }[];
  /** The masters with their slots and replicas (asked of a running node). */
  shards(): Promise<ShardView[]>;
  /** CLUSTER KEYSLOT of `key`. */
  slotOf(key: string): Promise<number>;
  /** The master serving `key`'s slot now. */
  masterOf(key: string): Promise<ClusterNode>;
  /**
   * Makes `master`'s replicas fall behind: freezes them (SIGSTOP) and writes
   * a ballast of `ballastBytes` (default 24 MiB, more than the loopback
   * socket buffers hold) under a key of the master's slots, and resolves once
   * the master keeps part of its replication stream in its own memory
   * (CLIENT LIST omem > 0 for every replica). From then on every write the
   * master acknowledges is lost if it dies before the replicas read on:
   * asynchronous replication's window, made wide and certain. killMaster()
   * lets the replicas run again right after the SIGKILL.
   */
  stallReplication(master: ClusterNode, options?: { readonly ballastBytes?: number }): Promise<void>;
  /** Lets replicas frozen by stallReplication() run again (killMaster does it by itself). */
  resumeReplication(): void;
  /**
   * SIGKILLs `master` (then resumes stalled replicas) and resolves once one
   * of its replicas has been promoted and every running node reports
   * cluster_state:ok. The killed node stays down.
   */
  killMaster(master: ClusterNode): Promise<Failover>;
  /** Starts a killed node again and waits until it is a replica in sync and the cluster is whole. */
  restartNode(node: ClusterNode): Promise<void>;
  /** Waits until every running node reports cluster_state:ok, agrees on the masters, and every replica is in sync. */
  waitUntilHealthy(): Promise<void>;
  /** Stops every node and removes every directory. Idempotent. */
  dispose(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Attempts at starting one node: a port can be taken between being found free and being bound. */
const NODE_START_ATTEMPTS = 5;

/**
 * One cluster node on a bus port no other node of this cluster uses. A port
 * found free can be taken before redis-server binds it (by another node's
 * data port, found free at the same time, or by a client's ephemeral port);
 * redis-server then exits with "Address already in use", and the node is
 * started again on fresh ports.
 */
async function startClusterNode(extraArgs: (busPort: number) => string[], busPortsInUse: Set<number>): Promise<{ server: RedisServer; busPort: number }> {
  for (let attempt = 1; ; attempt += 1) {
    let busPort = await findFreePort();
    while (busPortsInUse.has(busPort)) busPort = await findFreePort();
    busPortsInUse.add(busPort);
    try {
      return { server: await startRedisServer({ appendonly: false, extraArgs: extraArgs(busPort) }), busPort };
    } catch (error) {
      if (attempt >= NODE_START_ATTEMPTS || !/Address already in use/.test(error instanceof Error ? error.message : String(error))) throw error;
    }
  }
}

/** One command on one node over a short-lived connection that never retries (a dead node fails fast). */
async function onNode<T>(port: number, command: string, ...args: (string | number | Buffer)[]): Promise<T> {
  return onNodeWithin<T>(2000, port, command, ...args);
}

/** onNode with another command timeout (the stall's ballast takes a while to write on a busy machine). */
async function onNodeWithin<T>(timeoutMs: number, port: number, command: string, ...args: (string | number | Buffer)[]): Promise<T> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: timeoutMs,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.call(command, ...args)) as T;
  } finally {
    client.disconnect();
  }
}

const text = (reply: unknown): string => (Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply));

/** `key:value` lines of CLUSTER INFO / INFO <section> → a record. */
function infoFields(reply: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text(reply).split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return fields;
}

interface NodeLine {
  readonly id: string;
  readonly port: number;
  readonly flags: readonly string[];
  /** The master's id for a replica, '-' for a master. */
  readonly masterId: string;
  readonly linkState: string;
  readonly slots: readonly (readonly [number, number])[];
}

/** CLUSTER NODES → one record per node (slot ranges only; migrating-slot markers are skipped). */
function parseClusterNodes(reply: unknown): NodeLine[] {
  return text(reply)
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id = '', address = '', flags = '', masterId = '-', , , , linkState = '', ...slotParts] = line.split(' ');
      const port = Number(/:(\d+)@/.exec(address)?.[1] ?? NaN);
      const slots = slotParts
        .filter((part) => /^\d+(-\d+)?$/.test(part))
        .map((part) => {
          const [first, last] = part.split('-').map(Number) as [number, number | undefined];
          return [first, last ?? first] as const;
        });
      return { id, port, flags: flags.split(','), masterId, linkState, slots };
    });
}

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masterCount = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000;
  const settleTimeoutMs = options.settleTimeoutMs ?? 60_000;
  const cli = options.cliBinary ?? process.env.REDIS_CLI_BIN ?? 'redis-cli';
  if (masterCount < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const total = masterCount * (1 + replicasPerMaster);

  const busPortsInUse = new Set<number>();
  const nodeArgs = (busPort: number): string[] => [
    '--cluster-enabled', 'yes',
    '--cluster-config-file', 'nodes.conf',
    '--cluster-node-timeout', String(nodeTimeoutMs),
    '--cluster-port', String(busPort),
    // A replica may take over however long it was cut off from its master (tests kill and restart freely).
    '--cluster-replica-validity-factor', '0',
    // Replicas sync at once (no 5 s wait for more replicas) and report their offset every second.
    '--repl-diskless-sync-delay', '0',
    '--repl-ping-replica-period', '1',
    ...(options.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : []),
  ];
  const started = await Promise.allSettled(Array.from({ length: total }, () => startClusterNode(nodeArgs, busPortsInUse)));
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value.server] : []));
  const busPorts = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value.busPort] : []));
  const disposeServers = (): Promise<unknown> => Promise.all(servers.map((server) => server.dispose()));
  const failedStart = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failedStart) {
    await disposeServers();
    throw failedStart.reason;
  }

  const nodes: ClusterNode[] = servers.map((server, i) => ({
    index: i + 1,
    port: server.port,
    busPort: busPorts[i] as number,
    url: server.url,
    server,
  }));
  const byPort = new Map(nodes.map((node) => [node.port, node]));
  const nodeAt = (port: number): ClusterNode => {
    const node = byPort.get(port);
    if (!node) throw new Error(`port ${port} is not a node of this cluster`);
    return node;
  };
  /** Nodes that run and answer (not frozen by stallReplication). */
  const running = (): ClusterNode[] => nodes.filter((node) => node.server.running && !node.server.paused);

  /** CLUSTER NODES as one running node sees it. */
  const viewOf = async (node: ClusterNode): Promise<NodeLine[]> => parseClusterNodes(await onNode(node.port, 'CLUSTER', 'NODES'));

  const shardsSeenBy = (lines: readonly NodeLine[]): ShardView[] => {
    const healthy = (line: NodeLine): boolean => !line.flags.includes('fail') && !line.flags.includes('fail?') && line.linkState === 'connected';
    return lines
      .filter((line) => line.flags.includes('master') && line.slots.length > 0 && healthy(line))
      .map((line) => ({
        master: nodeAt(line.port),
        slots: line.slots,
        replicas: lines.filter((r) => r.flags.includes('slave') && r.masterId === line.id && healthy(r)).map((r) => nodeAt(r.port)),
      }))
      .sort((a, b) => (a.slots[0]?.[0] ?? 0) - (b.slots[0]?.[0] ?? 0));
  };

  const anyRunning = (): ClusterNode => {
    const node = running()[0];
    if (!node) throw new Error('no node of the cluster is running');
    return node;
  };

  /** Why the cluster is not healthy yet, or null when it is. */
  const unhealthyBecause = async (): Promise<string | null> => {
    const live = running();
    const shardKeys = new Set<string>();
    for (const node of live) {
      const info = infoFields(await onNode(node.port, 'CLUSTER', 'INFO'));
      if (info.cluster_state !== 'ok') return `node ${node.index} (port ${node.port}): cluster_state ${info.cluster_state}`;
      const shards = shardsSeenBy(await viewOf(node));
      const covered = shards.reduce((n, shard) => n + shard.slots.reduce((m, [first, last]) => m + last - first + 1, 0), 0);
      if (covered !== 16384) return `node ${node.index}: ${covered} of 16384 slots on healthy masters`;
      shardKeys.add(JSON.stringify(shards.map((s) => [s.master.port, s.slots, s.replicas.map((r) => r.port).sort()])));
    }
    if (shardKeys.size !== 1) return `the nodes do not agree yet on masters and replicas (${shardKeys.size} views)`;
    const shards = shardsSeenBy(await viewOf(anyRunning()));
    const expectedReplicas = live.length - shards.length;
    const attached = shards.reduce((n, s) => n + s.replicas.length, 0);
    if (attached !== expectedReplicas) return `${attached} of ${expectedReplicas} running replicas attached`;
    for (const shard of shards) {
      const master = infoFields(await onNode(shard.master.port, 'INFO', 'replication'));
      for (const replica of shard.replicas) {
        const info = infoFields(await onNode(replica.port, 'INFO', 'replication'));
        if (info.master_link_status !== 'up' || info.master_sync_in_progress !== '0') return `replica ${replica.index}: link ${info.master_link_status}, sync ${info.master_sync_in_progress}`;
        if (info.slave_repl_offset !== master.master_repl_offset) return `replica ${replica.index}: offset ${info.slave_repl_offset} of ${master.master_repl_offset}`;
        // CLUSTER SLOTS (what clients learn replicas from) lists a replica only once its offset is non-zero.
        if (info.slave_repl_offset === '0') return `replica ${replica.index}: nothing replicated yet`;
      }
    }
    return null;
  };

  const waitUntilHealthy = async (): Promise<void> => {
    const deadline = Date.now() + settleTimeoutMs;
    let reason: string | null;
    for (;;) {
      try {
        reason = await unhealthyBecause();
      } catch (error) {
        reason = (error as Error).message;
      }
      if (reason === null) return;
      if (Date.now() > deadline) throw new Error(`the Redis Cluster did not become healthy within ${settleTimeoutMs} ms: ${reason}`);
      await sleep(100);
    }
  };

  const shards = async (): Promise<ShardView[]> => shardsSeenBy(await viewOf(anyRunning()));

  const slotOf = async (key: string): Promise<number> => Number(await onNode(anyRunning().port, 'CLUSTER', 'KEYSLOT', key));

  const masterOf = async (key: string): Promise<ClusterNode> => {
    const slot = await slotOf(key);
    const shard = (await shards()).find((s) => s.slots.some(([first, last]) => slot >= first && slot <= last));
    if (!shard) throw new Error(`no healthy master serves slot ${slot} (key '${key}')`);
    return shard.master;
  };

  const shardOf = async (master: ClusterNode): Promise<ShardView> => {
    const shard = (await shards()).find((s) => s.master === master);
    if (!shard) throw new Error(`node ${master.index} (port ${master.port}) is not a master with slots`);
    return shard;
  };

  /**
   * Stalled masters → their shard as it was (frozen replicas, and a master
   * busy writing the ballast, may be flagged as failing by the others meanwhile).
   */
  const stalled = new Map<ClusterNode, ShardView>();

  const resumeReplication = (): void => {
    for (const node of nodes) node.server.resume();
    stalled.clear();
  };

  const stallReplication = async (master: ClusterNode, stallOptions: { readonly ballastBytes?: number } = {}): Promise<void> => {
    const shard = await shardOf(master);
    if (shard.replicas.length === 0) throw new Error(`master ${master.index} has no replica to stall`);
    const inShard = (slot: number): boolean => shard.slots.some(([first, last]) => slot >= first && slot <= last);
    let tag = 0;
    while (!inShard(clusterSlot(`{facerec-ballast-${tag}}`))) tag += 1;
    stalled.set(master, shard);
    for (const replica of shard.replicas) replica.server.pause();
    const ballast = Buffer.alloc(stallOptions.ballastBytes ?? 24 * 1024 * 1024, 'x');
    await onNodeWithin(30_000, master.port, 'SET', `{facerec-ballast-${tag}}`, ballast);
    const deadline = Date.now() + settleTimeoutMs;
    for (;;) {
      const list = text(await onNode(master.port, 'CLIENT', 'LIST', 'TYPE', 'replica'));
      const held = list
        .split(/\r?\n/)
        .filter((line) => line.trim() !== '')
        .map((line) => Number(/ omem=(\d+)/.exec(line)?.[1] ?? 0));
      if (held.length >= shard.replicas.length && held.every((bytes) => bytes > 0)) return;
      if (Date.now() > deadline) throw new Error(`master ${master.index} never held back replication output (omem: ${held.join(', ')})`);
      await sleep(25);
    }
  };

  const killMaster = async (master: ClusterNode): Promise<Failover> => {
    const shard = stalled.get(master) ?? (await shardOf(master));
    const replicas = shard.replicas;
    if (replicas.length === 0) throw new Error(`master ${master.index} has no replica to take over`);
    const firstSlot = (shard.slots[0] as readonly [number, number])[0];
    const killedAt = Date.now();
    await master.server.kill();
    resumeReplication();
    const deadline = killedAt + settleTimeoutMs;
    let promoted: ClusterNode | undefined;
    let promotionMs = 0;
    while (!promoted) {
      for (const replica of replicas) {
        const role = await onNode<unknown[]>(replica.port, 'ROLE').catch(() => null);
        if (role && text(role[0]) === 'master') {
          promoted = replica;
          promotionMs = Date.now() - killedAt;
        }
      }
      if (!promoted) {
        if (Date.now() > deadline) throw new Error(`no replica of master ${master.index} was promoted within ${settleTimeoutMs} ms`);
        await sleep(25);
      }
    }
    const serving = promoted;
    const deadlineHealed = Date.now() + settleTimeoutMs;
    for (;;) {
      const states = await Promise.all(
        running().map(async (node) => {
          const info = infoFields(await onNode(node.port, 'CLUSTER', 'INFO').catch(() => ''));
          const view = await viewOf(node).catch(() => []);
          const owner = view.find((line) => line.flags.includes('master') && line.slots.some(([first, last]) => firstSlot >= first && firstSlot <= last));
          return info.cluster_state === 'ok' && owner?.port === serving.port;
        }),
      );
      if (states.every(Boolean)) break;
      if (Date.now() > deadlineHealed) throw new Error(`the cluster did not heal within ${settleTimeoutMs} ms after killing master ${master.index}`);
      await sleep(25);
    }
    return { killed: master, promoted: serving, promotionMs, healedMs: Date.now() - killedAt };
  };

  const restartNode = async (node: ClusterNode): Promise<void> => {
    await node.server.start();
    await waitUntilHealthy();
  };

  let disposed = false;
  const cluster: RedisCluster = {
    nodes,
    seedUrl: (nodes[0] as ClusterNode).url,
    startupNodes: nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    shards,
    slotOf,
    masterOf,
    stallReplication,
    resumeReplication,
    killMaster,
    restartNode,
    waitUntilHealthy,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await disposeServers();
    },
  };

  try {
    await createCluster(cli, nodes, replicasPerMaster);
    await waitUntilHealthy();
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
  return cluster;
}

/** `redis-cli --cluster create` over every node: the first `masters` become masters, the rest their replicas. */
function createCluster(cli: string, nodes: readonly ClusterNode[], replicasPerMaster: number): Promise<void> {
  const args = ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'];
  return new Promise((resolve, reject) => {
    execFile(cli, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (!error) return resolve();
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new Error(
          missing
            ? `redis-cli not found (tried '${cli}'): install it with \`apt-get install redis-tools\` (or set REDIS_CLI_BIN).`
            : `redis-cli --cluster create failed: ${error.message}\n${stdout}${stderr}`,
        ),
      );
    });
  });
}
