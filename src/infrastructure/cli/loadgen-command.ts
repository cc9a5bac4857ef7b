import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { percentile } from '../telemetry/stage-timings';
import { listImages } from '../files/list-images';
import { startApiLoad, parseApiRoute } from './api-load';
import { FrameProducer, loadFrameImage, randomHex, ResultCollector, type FrameImage } from './bench/frame-feed';
import { connectHarnessRedis } from './bench/redis-connection';
import { positiveInteger, UsageError, type CommandOutput } from './output';

export interface LoadgenFlags {
  redis?: string;
  images?: string;
  rate?: string;
  count?: string;
  stream?: string;
  results?: string;
  timeout?: string;
  api?: string;
  'api-key'?: string;
  'api-clients'?: string;
  'api-route'?: string;
  'api-image'?: string;
}

/**
 * Plays the producer's role: stores JPEGs in Redis (claim check), XADDs frame
 * entries at a fixed rate to a processor queue (or to frames:metadata for the
 * orchestrator to route), reads the result stream, and reports end-to-end
 * latency percentiles and frames/s. Each frame carries a fresh W3C
 * traceparent, as a traced producer would.
 */
export async function loadgenCommand(flags: LoadgenFlags, output: CommandOutput): Promise<number> {
  if (!flags.redis) throw new UsageError('loadgen needs --redis <redis://host:port>');
  if (!flags.images) throw new UsageError('loadgen needs --images <dir>');
  const rate = positiveInteger(flags.rate, 'rate', 40);
  const count = positiveInteger(flags.count, 'count', 400);
  const stream = flags.stream ?? 'frames:ready:face-recognition-1';
  const resultStream = flags.results ?? 'faces:detected';
  const timeoutMs = positiveInteger(flags.timeout, 'timeout', 30) * 1000;
  const paths = await listImages(flags.images);
  if (paths.length === 0) throw new UsageError(`no images under ${flags.images}`);
  const images = await Promise.all(paths.slice(0, Math.min(paths.length, count)).map((p) => loadFrameImage(p)));
  // Checked before connecting: a usage error must not leave connections open.
  const apiOptions = flags.api === undefined ? null : apiLoadOptions(flags, paths[0] as string);
  const apiLoad = apiOptions === null ? null : await startApiLoad(apiOptions);

  let redis: Redis;
  let reader: Redis;
  try {
    redis = await connectHarnessRedis(flags.redis, 'facerec-loadgen');
    reader = await connectHarnessRedis(flags.redis, 'facerec-loadgen-results').catch((error: unknown) => {
      redis.disconnect();
      throw error;
    });
  } catch (error) {
    await apiLoad?.stop();
    throw error;
  }
  const producer = new FrameProducer(redis, stream);
  const results = await ResultCollector.start(reader, resultStream);
  const runId = randomHex(4);

  const intervalMs = 1000 / rate;
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    const wait = started + i * intervalMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const frameId = `loadgen-${runId}-${i}`;
    results.expect(frameId);
    await producer.send(frameId, `loadgen-${i % 4}`, images[i % images.length] as FrameImage);
  }
  const sendSeconds = (performance.now() - started) / 1000;

  await results.waitForAll(timeoutMs);
  await results.stop();
  const apiReport = await apiLoad?.stop();
  redis.disconnect();
  reader.disconnect();

  const received = results.completed;
  const latencies = results.latenciesMs();
  const fps = received / (((results.lastResultAt() ?? started) - started) / 1000);
  output.line(`sent ${count} frames at ${rate}/s to ${stream} in ${sendSeconds.toFixed(1)} s; results received: ${received}/${count}`);
  output.line(
    `end-to-end latency ms: p50 ${percentile(latencies, 50).toFixed(1)}, p95 ${percentile(latencies, 95).toFixed(1)}, p99 ${percentile(latencies, 99).toFixed(1)}, max ${Math.max(...latencies).toFixed(1)}`,
  );
  output.line(`throughput: ${fps.toFixed(1)} frames/s`);
  if (apiReport) {
    const statuses = Object.entries(apiReport.byStatus).map(([status, n]) => `${status}: ${n}`).join(', ');
    const { p50, p95, p99 } = apiReport.latencyMs;
    output.line(`api ${flags['api-route'] ?? 'verify'} with ${flags['api-clients'] ?? 50} clients: ${apiReport.requests} requests (${statuses}); latency ms p50 ${p50.toFixed(1)}, p95 ${p95.toFixed(1)}, p99 ${p99.toFixed(1)}`);
  }
  return received === count ? 0 : 1;
}

function apiLoadOptions(flags: LoadgenFlags, firstImage: string): Parameters<typeof startApiLoad>[0] {
  const apiKey = flags['api-key'] ?? process.env.FACEREC_API_KEY;
  if (!apiKey) throw new UsageError('--api needs --api-key <secret> (or FACEREC_API_KEY)');
  return {
    baseUrl: flags.api as string,
    apiKey,
    clients: positiveInteger(flags['api-clients'], 'api-clients', 50),
    route: parseApiRoute(flags['api-route']),
    imagePath: flags['api-image'] ?? firstImage,
  };
}
