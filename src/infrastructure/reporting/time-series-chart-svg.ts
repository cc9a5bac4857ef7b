import { escapeXml, px } from './det-chart-svg';

/**
 * Time series as a standalone SVG of small multiples: one panel per series,
 * stacked, sharing the time axis, each with its own linear value axis (RSS in
 * MB and event-loop lag in ms do not share a scale). Shaded bands mark time
 * spans the reader should compare (a soak's first and last windows). Same
 * hand-written style as the DET chart: lines, ticks and text need no library.
 */

export interface TimeSeries {
  readonly label: string;
  /** Unit shown after tick values, e.g. "MB". */
  readonly unit: string;
  readonly colour: string;
  /** [seconds, value] in time order; non-finite values are left out. */
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface TimeBand {
  readonly label: string;
  readonly fromSeconds: number;
  readonly toSeconds: number;
}

export interface TimeSeriesChart {
  readonly title: string;
  /** Lines under the title, two at most. */
  readonly subtitle?: readonly string[];
  readonly series: readonly TimeSeries[];
  readonly bands?: readonly TimeBand[];
  /** Notes under the panels, two at most. */
  readonly footnotes?: readonly string[];
}

const WIDTH = 760;
const PANEL_HEIGHT = 150;
const PANEL_GAP = 34;
const LEFT = 86;
const RIGHT = WIDTH - 24;
const TOP = 84;

/** About `count` round tick values covering [lo, hi] (1, 2 or 5 × a power of ten apart). */
export function niceTicks(lo: number, hi: number, count = 4): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** The value range of a panel: from the data, widened so that a flat line sits mid-panel, and including zero when the data is near it. */
function valueRange(values: readonly number[]): { lo: number; hi: number } {
  if (values.length === 0) return { lo: 0, hi: 1 };
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo >= 0 && lo < (hi - lo) * 0.5) lo = 0;
  if (hi - lo < Math.abs(hi) * 1e-6 || hi === lo) {
    const pad = Math.abs(hi) * 0.05 || 1;
    lo -= pad;
    hi += pad;
  }
  // Headroom, so that the highest point does not run along the panel's frame.
  return { lo, hi: hi + (hi - lo) * 0.05 };
}

const tickText = (value: number): string => (Math.abs(value) >= 100 || value === 0 ? value.toFixed(0) : Number(value.toPrecision(3)).toString());

function panel(series: TimeSeries, index: number, tMax: number, bands: readonly TimeBand[]): string {
  const top = TOP + index * (PANEL_HEIGHT + PANEL_GAP);
  const bottom = top + PANEL_HEIGHT;
  const points = series.points.filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v));
  const { lo, hi } = valueRange(points.map(([, v]) => v));
  const x = (t: number): number => LEFT + (t / tMax) * (RIGHT - LEFT);
  const y = (v: number): number => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  const parts: string[] = [];
  for (const band of bands) {
    parts.push(`<rect class="band" x="${px(x(band.fromSeconds))}" y="${top}" width="${px(x(band.toSeconds) - x(band.fromSeconds))}" height="${PANEL_HEIGHT}" fill="#f0e6c8"/>`);
    if (index === 0) parts.push(`<text class="band-label" x="${px((x(band.fromSeconds) + x(band.toSeconds)) / 2)}" y="${top - 4}" text-anchor="middle" fill="#7a6320" font-size="11">${escapeXml(band.label)}</text>`);
  }
  for (const tick of niceTicks(lo, hi).filter((v) => v >= lo && v <= hi)) {
    const at = px(y(tick));
    parts.push(`<line class="grid-major" x1="${LEFT}" y1="${at}" x2="${RIGHT}" y2="${at}"/>`);
    parts.push(`<text class="tick" x="${LEFT - 8}" y="${at}" text-anchor="end" dominant-baseline="middle">${escapeXml(tickText(tick))}</text>`);
  }
  for (const minute of niceTicks(0, tMax / 60, 8)) {
    const at = px(x(minute * 60));
    parts.push(`<line class="grid-minor" x1="${at}" y1="${top}" x2="${at}" y2="${bottom}"/>`);
    parts.push(`<text class="tick" x="${at}" y="${bottom + 15}" text-anchor="middle">${escapeXml(tickText(minute))}</text>`);
  }
  parts.push(`<rect class="frame" x="${LEFT}" y="${top}" width="${RIGHT - LEFT}" height="${PANEL_HEIGHT}" fill="none" stroke="#333"/>`);
  if (points.length > 0) {
    parts.push(`<polyline class="curve" fill="none" stroke="${series.colour}" stroke-width="1.8" points="${points.map(([t, v]) => `${px(x(t))},${px(y(v))}`).join(' ')}"/>`);
  }
  parts.push(`<text class="panel-label" x="${LEFT + 8}" y="${top + 16}" fill="${series.colour}" font-weight="bold" stroke="white" stroke-width="4" paint-order="stroke">${escapeXml(`${series.label} (${series.unit})`)}</text>`);
  return `<g class="panel">${parts.join('')}</g>`;
}

export function renderTimeSeriesChartSvg(chart: TimeSeriesChart): string {
  const tMax = Math.max(1, ...chart.series.flatMap((s) => s.points.map(([t]) => t)).filter(Number.isFinite));
  const panelsBottom = TOP + chart.series.length * (PANEL_HEIGHT + PANEL_GAP) - PANEL_GAP;
  const height = panelsBottom + 44 + 18 * Math.min(2, chart.footnotes?.length ?? 0) + 8;
  const centreX = (LEFT + RIGHT) / 2;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">`,
    `<title>${escapeXml(chart.title)}</title>`,
    '<style>.grid-major{stroke:#ccc;stroke-width:1}.grid-minor{stroke:#eee;stroke-width:1}.tick{fill:#333;font-size:11px}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text class="title" x="${centreX}" y="28" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(chart.title)}</text>`,
    ...(chart.subtitle ?? []).slice(0, 2).map((line, i) => `<text class="subtitle" x="${centreX}" y="${48 + 17 * i}" text-anchor="middle" fill="#444">${escapeXml(line)}</text>`),
    ...chart.series.map((s, i) => panel(s, i, tMax, chart.bands ?? [])),
    `<text class="axis-label" x="${centreX}" y="${panelsBottom + 36}" text-anchor="middle" font-size="14">minutes since the start of the run</text>`,
    ...(chart.footnotes ?? []).slice(0, 2).map((note, i) => `<text class="footnote" x="12" y="${panelsBottom + 60 + 16 * i}" fill="#555" font-size="11">${escapeXml(note)}</text>`),
    '</svg>',
    '',
  ].join('\n');
}
