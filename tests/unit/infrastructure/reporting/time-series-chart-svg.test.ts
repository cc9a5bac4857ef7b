import { niceTicks, renderTimeSeriesChartSvg } from '../../../../src/infrastructure/reporting/time-series-chart-svg';

describe('time-series chart SVG', () => {
  it('picks round ticks', () => {
    expect(niceTicks(0, 10)).toEqual([0, 5, 10]);
    expect(niceTicks(2.3, 2.9)).toEqual([2.4, 2.6, 2.8]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });

  it('draws one panel per series over a shared time axis, with the bands and escaped text', () => {
    const svg = renderTimeSeriesChartSvg({
      title: 'soak <test>',
      subtitle: ['a & b'],
      series: [
        { label: 'RSS', unit: 'MB', colour: '#123456', points: [[0, 100], [60, 110], [120, Number.NaN], [180, 105]] },
        { label: 'lag', unit: 'ms', colour: '#654321', points: [[0, 1], [180, 2]] },
      ],
      bands: [{ label: 'first window', fromSeconds: 0, toSeconds: 30 }],
      footnotes: ['note'],
    });
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('<title>soak &lt;test&gt;</title>');
    expect(svg).toContain('a &amp; b');
    expect(svg.match(/class="panel"/g)).toHaveLength(2);
    expect(svg.match(/class="band"/g)).toHaveLength(2);
    expect(svg.match(/first window/g)).toHaveLength(1);
    // The NaN point is left out: three points in the RSS line.
    const rssLine = /stroke="#123456" stroke-width="1.8" points="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(rssLine.split(' ')).toHaveLength(3);
    expect(svg).toContain('RSS (MB)');
    expect(svg).toContain('minutes since the start of the run');
  });
});
