import type { TimeSeriesChart } from '../../reporting/time-series-chart-svg';
import type { SoakSample } from './soak-figures';

const MB = 1024 * 1024;

/** RSS, heap used, event-loop lag p99 and backlog over the run, the compared windows shaded. */
export function soakChart(samples: readonly SoakSample[], windows: { first: [number, number]; last: [number, number] }, subtitle: readonly string[]): TimeSeriesChart {
  const series = (label: string, unit: string, colour: string, value: (s: SoakSample) => number) => ({
    label,
    unit,
    colour,
    points: samples.map((s) => [s.seconds, value(s)] as const),
  });
  return {
    title: 'facerec soak: the service under steady load',
    subtitle,
    series: [
      series('RSS', 'MB', '#1f5fa8', (s) => s.rssBytes / MB),
      series('V8 heap used, main thread', 'MB', '#2e8b57', (s) => s.heapUsedBytes / MB),
      series('event-loop lag p99 per scrape', 'ms', '#c0392b', (s) => s.lagP99Seconds * 1000),
      series('backlog: frames sent without a result', 'frames', '#7f5fa8', (s) => s.backlog),
    ],
    bands: [
      { label: 'first window', fromSeconds: windows.first[0], toSeconds: windows.first[1] },
      { label: 'last window', fromSeconds: windows.last[0], toSeconds: windows.last[1] },
    ],
    footnotes: [
      "Scraped from the service's /metrics (prom-client default metrics); the capacity phase and a drain precede the soak.",
      'RSS includes the inference worker threads; heap is the main thread only; lag p99 covers one scrape interval each.',
    ],
  };
}
