/**
 * A detection error trade-off (DET) chart as a standalone SVG: false-positive
 * rate (FPIR, FAR) across, false-negative rate (FNIR, FRR) up, both on log
 * axes in whole decades, so that error rates of 0.1 % and 10 % are equally
 * readable. Written by hand: a few lines, ticks and text need no plotting
 * library.
 */

export interface ChartPoint {
  readonly x: number;
  readonly y: number;
}

export interface DetSeries {
  readonly label: string;
  readonly colour: string;
  readonly dashed?: boolean;
  /** In order of threshold; points with a zero rate cannot be drawn on log axes and are left out. */
  readonly points: readonly ChartPoint[];
}

export interface DetMarker extends ChartPoint {
  readonly label: string;
  readonly colour: string;
}

export interface DetChart {
  readonly title: string;
  /** Lines under the title (dataset, date, configuration), two at most. */
  readonly subtitle?: readonly string[];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly DetSeries[];
  /** Operating points, drawn as rings with their label. */
  readonly markers?: readonly DetMarker[];
  /** Notes under the axes (what is not drawn, resolution), one line each, two at most. */
  readonly footnotes?: readonly string[];
}

const WIDTH = 760;
const HEIGHT = 660;
const PLOT = { left: 86, right: WIDTH - 24, top: 84, bottom: HEIGHT - 92 };
/** A curve point closer than this to the last one drawn adds nothing visible. */
const MIN_STEP_PX = 0.75;

export const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
export const px = (value: number): string => value.toFixed(1);

/** 1e-4 → "0.01 %", 0.1 → "10 %". */
export function percentLabel(rate: number): string {
  const percent = rate * 100;
  const decimals = Math.max(0, -Math.floor(Math.log10(percent) + 1e-9));
  return `${percent.toFixed(decimals)} %`;
}

/** The decades [10^lo, 1] that hold every positive value (at least one decade below 1). */
export function decadeRange(values: readonly number[]): { lo: number; hi: number } {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const smallest = positive.length === 0 ? 0.1 : Math.min(...positive);
  return { lo: Math.min(-1, Math.floor(Math.log10(smallest) + 1e-9)), hi: 0 };
}

interface Axis {
  readonly lo: number;
  readonly hi: number;
  readonly from: number;
  readonly to: number;
}

const project = (axis: Axis, value: number): number => axis.from + ((Math.log10(value) - axis.lo) / (axis.hi - axis.lo)) * (axis.to - axis.from);

function polyline(series: DetSeries, x: Axis, y: Axis): string {
  const drawn: ChartPoint[] = [];
  for (const point of series.points) {
    if (!(point.x > 0 && point.y > 0)) continue;
    const p = { x: project(x, point.x), y: project(y, point.y) };
    const last = drawn[drawn.length - 1];
    if (last && Math.hypot(p.x - last.x, p.y - last.y) < MIN_STEP_PX) continue;
    drawn.push(p);
  }
  const final = series.points.filter((p) => p.x > 0 && p.y > 0).at(-1);
  if (final) {
    const p = { x: project(x, final.x), y: project(y, final.y) };
    const last = drawn[drawn.length - 1] as ChartPoint;
    if (p.x !== last.x || p.y !== last.y) drawn.push(p);
  }
  if (drawn.length === 0) return '';
  const dash = series.dashed ? ' stroke-dasharray="7 4"' : '';
  return `<polyline class="curve" fill="none" stroke="${series.colour}" stroke-width="2"${dash} points="${drawn.map((p) => `${px(p.x)},${px(p.y)}`).join(' ')}"/>`;
}

function grid(x: Axis, y: Axis): string[] {
  const parts: string[] = [];
  const decade = (axis: Axis, draw: (value: number, major: boolean) => void): void => {
    for (let power = axis.lo; power <= axis.hi; power += 1) {
      draw(10 ** power, true);
      if (power < axis.hi) for (let m = 2; m <= 9; m += 1) draw(m * 10 ** power, false);
    }
  };
  decade(x, (value, major) => {
    const at = px(project(x, value));
    parts.push(`<line class="${major ? 'grid-major' : 'grid-minor'}" x1="${at}" y1="${PLOT.top}" x2="${at}" y2="${PLOT.bottom}"/>`);
    if (major) parts.push(`<text class="tick" x="${at}" y="${PLOT.bottom + 18}" text-anchor="middle">${escapeXml(percentLabel(value))}</text>`);
  });
  decade(y, (value, major) => {
    const at = px(project(y, value));
    parts.push(`<line class="${major ? 'grid-major' : 'grid-minor'}" x1="${PLOT.left}" y1="${at}" x2="${PLOT.right}" y2="${at}"/>`);
    if (major) parts.push(`<text class="tick" x="${PLOT.left - 8}" y="${at}" text-anchor="end" dominant-baseline="middle">${escapeXml(percentLabel(value))}</text>`);
  });
  return parts;
}

function marker(m: DetMarker, x: Axis, y: Axis): string {
  if (!(m.x > 0 && m.y > 0)) return '';
  const cx = project(x, m.x);
  const cy = project(y, m.y);
  // Label to the upper right, or to the left near the right edge.
  const leftward = cx > PLOT.right - 260;
  const tx = leftward ? cx - 10 : cx + 10;
  return [
    `<g class="marker">`,
    `<circle cx="${px(cx)}" cy="${px(cy)}" r="6" fill="white" stroke="${m.colour}" stroke-width="2.5"/>`,
    `<circle cx="${px(cx)}" cy="${px(cy)}" r="2" fill="${m.colour}"/>`,
    // A white outline keeps the label readable where it crosses a curve or the grid.
    `<text x="${px(tx)}" y="${px(cy - 9)}" text-anchor="${leftward ? 'end' : 'start'}" fill="${m.colour}" stroke="white" stroke-width="4" paint-order="stroke">${escapeXml(m.label)}</text>`,
    `</g>`,
  ].join('');
}

function legend(chart: DetChart): string {
  const rowHeight = 20;
  const width = 14 + 36 + 8 + Math.max(...chart.series.map((s) => s.label.length)) * 6.6 + 12;
  const height = chart.series.length * rowHeight + 12;
  const left = PLOT.right - width - 10;
  const top = PLOT.top + 10;
  const rows = chart.series.map((s, i) => {
    const cy = top + 6 + rowHeight * i + rowHeight / 2;
    const dash = s.dashed ? ' stroke-dasharray="7 4"' : '';
    return (
      `<line x1="${px(left + 12)}" y1="${px(cy)}" x2="${px(left + 48)}" y2="${px(cy)}" stroke="${s.colour}" stroke-width="2"${dash}/>` +
      `<text x="${px(left + 56)}" y="${px(cy)}" dominant-baseline="middle">${escapeXml(s.label)}</text>`
    );
  });
  return `<g class="legend"><rect x="${px(left)}" y="${px(top)}" width="${px(width)}" height="${px(height)}" fill="white" fill-opacity="0.92" stroke="#999"/>${rows.join('')}</g>`;
}

export function renderDetChartSvg(chart: DetChart): string {
  const xs = [...chart.series.flatMap((s) => s.points.map((p) => p.x)), ...(chart.markers ?? []).map((m) => m.x)];
  const ys = [...chart.series.flatMap((s) => s.points.map((p) => p.y)), ...(chart.markers ?? []).map((m) => m.y)];
  const x: Axis = { ...decadeRange(xs), from: PLOT.left, to: PLOT.right };
  const y: Axis = { ...decadeRange(ys), from: PLOT.bottom, to: PLOT.top };
  const centreX = (PLOT.left + PLOT.right) / 2;
  const centreY = (PLOT.top + PLOT.bottom) / 2;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">`,
    `<title>${escapeXml(chart.title)}</title>`,
    '<style>.grid-major{stroke:#bbb;stroke-width:1}.grid-minor{stroke:#e6e6e6;stroke-width:1}.tick{fill:#333;font-size:12px}</style>',
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text class="title" x="${centreX}" y="28" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(chart.title)}</text>`,
    ...(chart.subtitle ?? []).slice(0, 2).map((line, i) => `<text class="subtitle" x="${centreX}" y="${48 + 17 * i}" text-anchor="middle" fill="#444">${escapeXml(line)}</text>`),
    `<g class="grid">${grid(x, y).join('')}</g>`,
    `<rect class="frame" x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="none" stroke="#333"/>`,
    `<g class="curves">${chart.series.map((s) => polyline(s, x, y)).join('')}</g>`,
    `<g class="markers">${(chart.markers ?? []).map((m) => marker(m, x, y)).join('')}</g>`,
    legend(chart),
    `<text class="axis-label" x="${centreX}" y="${PLOT.bottom + 44}" text-anchor="middle" font-size="14">${escapeXml(chart.xLabel)}</text>`,
    `<text class="axis-label" transform="translate(22 ${centreY}) rotate(-90)" text-anchor="middle" font-size="14">${escapeXml(chart.yLabel)}</text>`,
    ...(chart.footnotes ?? []).slice(0, 2).map((note, i) => `<text class="footnote" x="12" y="${HEIGHT - 28 + 16 * i}" fill="#555" font-size="11">${escapeXml(note)}</text>`),
    '</svg>',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
}
