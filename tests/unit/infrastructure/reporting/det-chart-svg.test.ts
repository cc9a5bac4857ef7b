import { decadeRange, percentLabel, renderDetChartSvg, type DetChart } from '../../../../src/infrastructure/reporting/det-chart-svg';

describe('percentLabel', () => {
  it('writes a decade as a percentage with just the digits it needs', () => {
    expect([1e-4, 1e-3, 1e-2, 0.1, 1].map(percentLabel)).toEqual(['0.01 %', '0.1 %', '1 %', '10 %', '100 %']);
  });
});

describe('decadeRange', () => {
  it('spans whole decades from below the smallest positive value up to 1', () => {
    expect(decadeRange([0.5, 0.00037, 0, 1])).toEqual({ lo: -4, hi: 0 });
    expect(decadeRange([0.001])).toEqual({ lo: -3, hi: 0 });
  });

  it('keeps at least one decade when there is nothing small, or nothing at all', () => {
    expect(decadeRange([0.5, 0.9])).toEqual({ lo: -1, hi: 0 });
    expect(decadeRange([0, Number.NaN])).toEqual({ lo: -1, hi: 0 });
  });
});

describe('renderDetChartSvg', () => {
  const chart: DetChart = {
    title: 'Trade-off <A & B>',
    subtitle: ['first line', 'second line', 'third line is dropped'],
    xLabel: 'FPIR',
    yLabel: 'FNIR',
    series: [
      { label: 'solid', colour: '#111111', points: [{ x: 1, y: 0.001 }, { x: 0.5, y: 0.001 }, { x: 0.1, y: 0.01 }, { x: 0.01, y: 0.1 }, { x: 0, y: 0.5 }] },
      { label: 'dashed', colour: '#222222', dashed: true, points: [{ x: 0.2, y: 0.02 }] },
      { label: 'nothing drawable', colour: '#333333', points: [{ x: 0, y: 1 }] },
    ],
    markers: [
      { label: 'left of the edge', colour: '#444444', x: 0.5, y: 0.01 },
      { label: 'in the middle', colour: '#555555', x: 0.001, y: 0.01 },
      { label: 'not drawable', colour: '#666666', x: 0, y: 0.2 },
    ],
    footnotes: ['note one'],
  };
  const svg = renderDetChartSvg(chart);

  it('escapes text', () => {
    expect(svg).toContain('<title>Trade-off &lt;A &amp; B&gt;</title>');
  });

  it('draws each series with a drawable point as a polyline, leaving out points with a zero rate', () => {
    const polylines = svg.match(/<polyline [^>]*>/g) ?? [];
    expect(polylines).toHaveLength(2);
    expect(polylines[0]).toContain('stroke="#111111"');
    // Four drawable points of five: x = 0 cannot be placed on a log axis.
    expect(/points="([^"]*)"/.exec(polylines[0] as string)?.[1]?.split(' ')).toHaveLength(4);
    expect(polylines[1]).toContain('stroke-dasharray="7 4"');
    // Every series has its legend row, even one with nothing to draw.
    for (const label of ['solid', 'dashed', 'nothing drawable']) expect(svg).toContain(`>${label}</text>`);
  });

  it('places axes in whole decades from the smallest rate: 0.1 % across, 0.1 % up', () => {
    expect(svg).toContain('text-anchor="middle">0.1 %</text>');
    expect(svg).toContain('text-anchor="end" dominant-baseline="middle">0.1 %</text>');
    expect(svg).not.toContain('>0.01 %</text>');
  });

  it('labels markers, to the left near the right edge, and skips one with a zero rate', () => {
    expect(svg).toMatch(/text-anchor="end" fill="#444444"[^>]*>left of the edge</);
    expect(svg).toMatch(/text-anchor="start" fill="#555555"[^>]*>in the middle</);
    expect(svg).not.toContain('not drawable');
  });

  it('keeps two subtitle lines and the footnotes', () => {
    expect(svg).toContain('>second line</text>');
    expect(svg).not.toContain('third line');
    expect(svg).toContain('>note one</text>');
  });

  it('thins points closer than a pixel but keeps the last one', () => {
    const dense = Array.from({ length: 1000 }, (_, i) => ({ x: 0.5 + i * 1e-6, y: 0.1 }));
    const thinned = renderDetChartSvg({ ...chart, series: [{ label: 'dense', colour: '#000000', points: dense }], markers: [] });
    const points = /points="([^"]*)"/.exec(thinned)?.[1]?.split(' ') ?? [];
    expect(points.length).toBeLessThanOrEqual(2);
    expect(points.length).toBeGreaterThanOrEqual(1);
  });

  it('needs no subtitle, markers or footnotes', () => {
    const bare = renderDetChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [] });
    expect(bare).toMatch(/<svg [^>]*>[\s\S]*<\/svg>$/);
    expect(bare).not.toContain('class="subtitle"');
    expect(bare).not.toContain('class="footnote"');
  });
});
