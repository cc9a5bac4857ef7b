import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sampleValue } from '../bench/prometheus-text';
import type { ResultCollector } from '../bench/frame-feed';
import type { ServiceProcess } from '../bench/service-process';
import type { SoakPhase, SoakSample } from './soak-figures';

const RSS = 'process_resident_memory_bytes';
const HEAP_USED = 'nodejs_heap_size_used_bytes';
/** prom-client resets its event-loop histogram at every collection: each scrape gives the p99 since the previous one. */
const LAG_P99 = 'nodejs_eventloop_lag_p99_seconds';

/**
 * Scrapes the service's /metrics every `intervalMs` (the only scraper, so
 * each lag p99 covers exactly one interval), adding the feeder's counts and
 * the current phase. A failed scrape is counted, not fatal: a soak outlives
 * the odd timeout on a loaded machine.
 */
export class MetricsSampler {
  readonly samples: SoakSample[] = [];
  failedScrapes = 0;
  phase: SoakPhase = 'capacity';
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly service: ServiceProcess,
    private readonly results: ResultCollector,
    private readonly startedAt: number,
  ) {}

  start(intervalMs: number): void {
    // A first scrape at once resets the lag histogram the service collected since its start.
    this.inFlight = this.scrape(false);
    this.timer = setInterval(() => {
      this.inFlight = this.inFlight.then(() => this.scrape(true));
    }, intervalMs);
  }

  /** One last sample, then no more. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
    await this.scrape(true);
  }

  private async scrape(keep: boolean): Promise<void> {
    try {
      const text = await this.service.metricsText();
      const [rss, heap, lag] = [RSS, HEAP_USED, LAG_P99].map((name) => sampleValue(text, name));
      if (rss === undefined || heap === undefined || lag === undefined) throw new Error('a metric is missing');
      if (!keep) return;
      this.samples.push({
        seconds: (performance.now() - this.startedAt) / 1000,
        phase: this.phase,
        rssBytes: rss,
        heapUsedBytes: heap,
        lagP99Seconds: lag,
        framesDone: this.results.completed,
        backlog: this.results.expected - this.results.completed,
        load1: loadavg()[0] as number,
      });
    } catch {
      this.failedScrapes += 1;
    }
  }
}
