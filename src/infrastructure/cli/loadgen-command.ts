import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { percentile } from '../telemetry/stage-timings';
import { listImages } from '../files/list-images';
import { startApiLoad, parseApiRoute } from './api-load';
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

interface Sent {
  readonly sentAt: number;
  received?: number;
}

const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

interface LoadedImage {
  readonly bytes: Buffer;
  readonly width: number;
  readonly height: number;
}

/** The file and its dimensions (read from the header, nothing is decoded). */
async function loadImage(path: string): Promise<LoadedImage> {
  const bytes = await readFile(path);
  const { width, height } = await sharp(bytes).metadata();
  if (!width || !height) throw new UsageError(`cannot read the dimensions of ${path}`);
  return { bytes, width, height };
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
  const images = await Promise.all(paths.slice(0, Math.min(paths.length, count)).map((p) => loadImage(p)));
  // Checked before connecting: a usage error must not leave connections open.
  const apiOptions = flags.api === undefined ? null : apiLoadOptions(flags, paths[0] as string);
  const apiLoad = apiOptions === null ? null : await startApiLoad(apiOptions);

  const producer = new Redis(flags.redis, { lazyConnect: true, connectionName: 'facerec-loadgen' });
  const reader = new Redis(flags.redis, { lazyConnect: true, connectionName: 'facerec-loadgen-results' });
  await Promise.all([producer.connect(), reader.connect()]);
  const runId = randomHex(4);
  const sent = new Map<string, Sent>();
  let lastResultId = (await reader.xrevrange(resultStream, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
  let done = false;

  const collect = (async () => {
    while (!done) {
      const reply = (await reader.xread('COUNT', 500, 'BLOCK', 200, 'STREAMS', resultStream, lastResultId)) as
        | Array<[string, Array<[string, string[]]>]>
        | null;
      const now = performance.now();
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          lastResultId = id;
          const frameIdIndex = fields.indexOf('frame_id');
          const frame = frameIdIndex >= 0 ? sent.get(fields[frameIdIndex + 1] as string) : undefined;
          if (frame && frame.received === undefined) frame.received = now;
        }
      }
    }
  })();

  const intervalMs = 1000 / rate;
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const frameId = `loadgen-${runId}-${i}`;
    const imageKey = `frame:data:${frameId}`;
    const traceparent = `00-${randomHex(16)}-${randomHex(8)}-01`;
    const image = images[i % images.length] as LoadedImage;
    sent.set(frameId, { sentAt: performance.now() });
    await producer
      .multi()
      .set(imageKey, image.bytes, 'EX', 300)
      .xadd(stream, 'MAXLEN', '~', '10000', '*',
        'frame_id', frameId,
        'camera_id', `loadgen-${i % 4}`,
        'timestamp', new Date().toISOString(),
        'size_bytes', String(image.bytes.length),
        // frame-buffer-v2 rejects a frame without positive dimensions (before routing it anywhere).
        'width', String(image.width), 'height', String(image.height),
        'format', 'jpeg',
        'trace_context', JSON.stringify({ traceparent }),
        'metadata', JSON.stringify({ image_key: imageKey, detection_type: 'face_detection' }),
        'priority', 'normal',
        'storage_path', '',
        'storage_backend', 'redis')
      .exec();
  }
  const sendSeconds = (performance.now() - started) / 1000;

  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && [...sent.values()].some((s) => s.received === undefined)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  done = true;
  await collect;
  const apiReport = await apiLoad?.stop();
  producer.disconnect();
  reader.disconnect();

  const received = [...sent.values()].filter((s) => s.received !== undefined);
  const latencies = received.map((s) => (s.received as number) - s.sentAt);
  const lastReceived = Math.max(...received.map((s) => s.received as number));
  const fps = received.length / ((lastReceived - started) / 1000);
  output.line(`sent ${count} frames at ${rate}/s to ${stream} in ${sendSeconds.toFixed(1)} s; results received: ${received.length}/${count}`);
  output.line(
    `end-to-end latency ms: p50 ${percentile(latencies, 50).toFixed(1)}, p95 ${percentile(latencies, 95).toFixed(1)}, p99 ${percentile(latencies, 99).toFixed(1)}, max ${Math.max(...latencies).toFixed(1)}`,
  );
  output.line(`throughput: ${fps.toFixed(1)} frames/s`);
  if (apiReport) {
    const statuses = Object.entries(apiReport.byStatus).map(([status, n]) => `${status}: ${n}`).join(', ');
    const { p50, p95, p99 } = apiReport.latencyMs;
    output.line(`api ${flags['api-route'] ?? 'verify'} with ${flags['api-clients'] ?? 50} clients: ${apiReport.requests} requests (${statuses}); latency ms p50 ${p50.toFixed(1)}, p95 ${p95.toFixed(1)}, p99 ${p99.toFixed(1)}`);
  }
  return received.length === count ? 0 : 1;
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
