import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { renderTimeSeriesChartSvg } from '../reporting/time-series-chart-svg';
import { sleep } from './bench/child-processes';
import { formatDuration, parseDurationSeconds } from './bench/duration';
import { FrameProducer, imageKeyOf, randomHex, ResultCollector } from './bench/frame-feed';
import { hdSampleFrames, type HdFrame } from './bench/hd-frames';
import { RedisServerProcess } from './bench/redis-server-process';
import { ServiceProcess } from './bench/service-process';
import { UsageError, type CommandOutput } from './output';
import { MetricsSampler } from './soak/metrics-sampler';
import { soakChart } from './soak/soak-chart';
import { comparisonWindowSeconds, compareWindows, grewBeyondFirstWindow, samplesToCsv, type WindowComparison } from './soak/soak-figures';

export interface SoakFlags {
  readonly duration?: string;
  readonly fraction?: string;
  readonly out?: string;
  readonly calibrate?: string;
  readonly interval?: string;
  readonly window?: string;
}

const PROCESSOR_ID = 'soak';
const RESULT_STREAM = 'faces:detected';
const DEAD_LETTER_STREAM = 'faces:dead-letter';
/** Frames kept waiting while capacity is measured: three times the service's default CAPACITY (16 in flight), so it never idles. */
const SATURATING_BACKLOG = 48;
/** RSS growth target of issue 11 (first window against last). */
const RSS_GROWTH_LIMIT = 0.1;
/** A frame still without a result after the service has answered nothing for this long is lost. */
const DRAIN_IDLE_MS = 120_000;
const MB = 1024 * 1024;

const percent = (ratio: number): string => `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)}%`;
const loadText = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

function parseFraction(raw: string | undefined): number {
  if (raw === undefined) return 0.8;
  const value = Number(raw);
  if (raw.trim() === '' || !(value > 0 && value <= 1)) throw new UsageError(`--fraction must be a number in (0, 1], got '${raw}'`);
  return value;
}

/**
 * `facerec soak`: the service (`node dist/main.js`, its defaults) against a
 * redis-server of its own. First its capacity is measured (frames/s it
 * completes with a backlog always waiting), then frames are fed at
 * `--fraction` of it for `--duration`, while /metrics is scraped. Writes
 * soak.csv and soak.svg; exits 1 when a target of issue 11 is missed.
 */
export async function soakCommand(flags: SoakFlags, output: CommandOutput): Promise<number> {
  if (!flags.out) throw new UsageError('soak needs --out <dir>');
  const durationSeconds = parseDurationSeconds(flags.duration, 'duration', 30 * 60);
  const fraction = parseFraction(flags.fraction);
  const calibrateSeconds = parseDurationSeconds(flags.calibrate, 'calibrate', 60);
  const intervalSeconds = parseDurationSeconds(flags.interval, 'interval', 10);
  const windowSeconds = comparisonWindowSeconds(durationSeconds, parseDurationSeconds(flags.window, 'window', 5 * 60));
  const frames = await hdSampleFrames();
  await mkdir(flags.out, { recursive: true });

  output.line(
    `soak: ${formatDuration(durationSeconds)} at ${(fraction * 100).toFixed(0)}% of the capacity measured first (${formatDuration(calibrateSeconds)}, a backlog of ${SATURATING_BACKLOG} frames kept waiting); ` +
      `/metrics scraped every ${formatDuration(intervalSeconds)}; growth compared between the first and the last ${formatDuration(windowSeconds)} of the soak`,
  );
  output.line(
    `frames: ${frames.length} 1080p JPEGs (the sample group photos letterboxed into 1920x1080, quality 90, ${frames.map((f) => f.faces).join('/')} faces, ` +
      `${Math.round(frames.reduce((s, f) => s + f.bytes.length, 0) / frames.length / 1024)} KiB on average) sent in turn, image stored under its own key as loadgen does`,
  );
  output.line(`machine: ${cpus().length} CPU(s), node ${process.version}, load average ${loadText()} at the start (shared machine: other work counts)`);

  const redisServer = await RedisServerProcess.start();
  let service: ServiceProcess | undefined;
  const redis = new Redis(redisServer.url, { connectionName: 'facerec-soak' });
  const reader = new Redis(redisServer.url, { connectionName: 'facerec-soak-results' });
  try {
    // Redis mode keeps the gallery encrypted and needs a key: one of its own for this run, as a deployment has.
    const galleryKey = `soak:${randomBytes(32).toString('base64')}`;
    service = await ServiceProcess.start({ REDIS_URL: redisServer.url, PROCESSOR_ID, GALLERY_ENCRYPTION_KEY: galleryKey });
    output.line(
      `service: bin/with-jemalloc node dist/main.js (pid ${service.pid ?? '?'}) with its defaults, REDIS_URL=${redisServer.url} (redis-server of its own), PROCESSOR_ID=${PROCESSOR_ID}, a GALLERY_ENCRYPTION_KEY of its own`,
    );
    const producer = new FrameProducer(redis, `frames:ready:${PROCESSOR_ID}`, 600);
    // The producer removes what it stored once the frame has its result, so Redis holds only the backlog's images.
    const results = await ResultCollector.start(reader, RESULT_STREAM, (frameId) => void redis.del(imageKeyOf(frameId)).catch(() => undefined));
    const runId = randomHex(4);
    let sequence = 0;
    const sendNext = async (): Promise<void> => {
      const i = sequence++;
      const frameId = `soak-${runId}-${i}`;
      results.expect(frameId);
      await producer.send(frameId, `soak-${i % 4}`, frames[i % frames.length] as HdFrame);
    };

    const startedAt = performance.now();
    const sampler = new MetricsSampler(service, results, startedAt);
    sampler.start(intervalSeconds * 1000);

    // Capacity: the backlog never runs dry; frames/s completed after a warm-up of a quarter of the phase.
    const calibrateEnd = performance.now() + calibrateSeconds * 1000;
    const warmUpEnd = performance.now() + (calibrateSeconds * 1000) / 4;
    let counted: { at: number; done: number } | undefined;
    while (performance.now() < calibrateEnd) {
      if (!counted && performance.now() >= warmUpEnd) counted = { at: performance.now(), done: results.completed };
      if (results.expected - results.completed < SATURATING_BACKLOG) await sendNext();
      else await sleep(10);
    }
    const measured = counted ?? { at: startedAt, done: 0 };
    const capacity = (results.completed - measured.done) / ((performance.now() - measured.at) / 1000);
    if (!(capacity > 0)) throw service.failure(`no frame completed while measuring capacity (${results.completed} results for ${results.expected} frames)`);
    const rate = capacity * fraction;
    output.line(`capacity: ${capacity.toFixed(2)} frames/s (${results.completed - measured.done} frames completed in ${((performance.now() - measured.at) / 1000).toFixed(1)} s after the warm-up)`);

    sampler.phase = 'drain';
    await results.waitUntilAllOrIdle(DRAIN_IDLE_MS);

    sampler.phase = 'soak';
    const soakStart = performance.now();
    const sentBefore = results.expected;
    for (let i = 0; ; i += 1) {
      const due = soakStart + (i * 1000) / rate;
      if (due >= soakStart + durationSeconds * 1000) break;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      await sendNext();
    }
    const soakSent = results.expected - sentBefore;
    output.line(`soak rate: ${rate.toFixed(2)} frames/s (${(fraction * 100).toFixed(0)}% of capacity); sent ${soakSent} frames in ${((performance.now() - soakStart) / 1000).toFixed(1)} s`);

    sampler.phase = 'final-drain';
    await results.waitUntilAllOrIdle(DRAIN_IDLE_MS);
    await sampler.stop();
    await results.stop();
    const deadLettered = await redis.xlen(DEAD_LETTER_STREAM);
    const exitCode = await service.stop();
    output.line(`load average ${loadText()} at the end; service exit code ${exitCode ?? 'none (killed)'} after SIGTERM; ${sampler.failedScrapes} failed scrape(s)`);

    const samples = sampler.samples;
    const soakSamples = samples.filter((s) => s.phase === 'soak');
    const soakFrom = soakSamples[0]?.seconds ?? 0;
    const soakTo = soakSamples.at(-1)?.seconds ?? 0;
    const rss = compareWindows(samples, (s) => s.rssBytes / MB, windowSeconds);
    const heap = compareWindows(samples, (s) => s.heapUsedBytes / MB, windowSeconds);
    const lag = compareWindows(samples, (s) => s.lagP99Seconds * 1000, windowSeconds);
    const lost = results.expected - results.completed;
    const duplicated = results.duplicated;
    const describe = (name: string, unit: string, c: WindowComparison | undefined): string =>
      c === undefined
        ? `${name}: too few samples to compare windows`
        : `${name}: first window median ${c.first.median.toFixed(2)} ${unit} (IQR ${c.first.q1.toFixed(2)}..${c.first.q3.toFixed(2)}, ${c.first.n} samples), ` +
          `last window median ${c.last.median.toFixed(2)} ${unit} (IQR ${c.last.q1.toFixed(2)}..${c.last.q3.toFixed(2)}, ${c.last.n} samples), growth ${percent(c.growth)}`;

    const missed: string[] = [];
    if (rss === undefined || lag === undefined) missed.push('too few samples in the soak phase');
    if (rss !== undefined && !(rss.growth < RSS_GROWTH_LIMIT)) missed.push(`RSS grew ${percent(rss.growth)} (target < ${percent(RSS_GROWTH_LIMIT)})`);
    if (lag !== undefined && grewBeyondFirstWindow(lag)) missed.push(`event-loop lag p99 grew: last median ${lag.last.median.toFixed(2)} ms above the first window's q3 ${lag.first.q3.toFixed(2)} ms`);
    if (lost > 0) missed.push(`${lost} frame(s) lost`);
    if (duplicated > 0) missed.push(`${duplicated} frame(s) with more than one result`);

    output.line(`frames: sent ${results.expected} (capacity phase and soak), results for ${results.completed}, lost ${lost}, duplicated ${duplicated}, dead-lettered ${deadLettered}`);
    output.line(`${describe('rss', 'MB', rss)} (target < ${percent(RSS_GROWTH_LIMIT)})`);
    output.line(`${describe('heap used', 'MB', heap)} (main thread; no target)`);
    output.line(`${describe('event-loop lag p99', 'ms', lag)} (target: no growth, i.e. last median ≤ the first window's q3)`);
    const backlogs = soakSamples.map((s) => s.backlog);
    output.line(`backlog during the soak: max ${Math.max(0, ...backlogs)} frames, last ${backlogs.at(-1) ?? 0}`);

    const csvPath = join(flags.out, 'soak.csv');
    const svgPath = join(flags.out, 'soak.svg');
    await writeFile(csvPath, samplesToCsv(samples));
    const subtitle = [
      `${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPUs (shared), ${formatDuration(durationSeconds)} at ${(fraction * 100).toFixed(0)}% of ${capacity.toFixed(2)} frames/s, 1080p frames with 3–5 faces`,
      rss && lag ? `RSS ${percent(rss.growth)}, heap ${heap ? percent(heap.growth) : 'n/a'}, lag p99 ${percent(lag.growth)} (last window vs first); lost ${lost}, duplicated ${duplicated}` : 'too few samples',
    ];
    const windows = { first: [soakFrom, soakFrom + windowSeconds] as [number, number], last: [soakTo - windowSeconds, soakTo] as [number, number] };
    await writeFile(svgPath, renderTimeSeriesChartSvg(soakChart(samples, windows, subtitle)));
    output.line(`files: ${csvPath} (${samples.length} samples), ${svgPath}`);
    output.line(missed.length === 0 ? 'result: every target met' : `result: target missed: ${missed.join('; ')}`);
    return missed.length === 0 ? 0 : 1;
  } finally {
    redis.disconnect();
    reader.disconnect();
    await service?.stop();
    await redisServer.stop();
  }
}
