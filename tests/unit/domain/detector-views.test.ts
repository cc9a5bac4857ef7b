import {
  chunkByInputPixels,
  planDetectorViews,
  roundUpTo,
  tileOffsets,
  viewBoxToSource,
  viewInputSize,
  viewLandmarksToSource,
  viewTouchesCut,
  type DetectorView,
} from '../../../src/domain/detector-views';
import type { FivePointLandmarks } from '../../../src/domain/landmarks';

const settings = { maxSide: 1280, tiles: false, tileOverlap: 128 };

describe('planDetectorViews', () => {
  it('letterboxes a 1080p frame to 1280 wide, aspect kept, input padded to a multiple of 32', () => {
    const [view, ...rest] = planDetectorViews(1920, 1080, settings);
    expect(rest).toEqual([]);
    expect(view).toEqual({ region: { x1: 0, y1: 0, x2: 1920, y2: 1080 }, scale: 1280 / 1920, width: 1280, height: 720 });
    expect(viewInputSize(view as DetectorView)).toEqual({ width: 1280, height: 736 });
  });

  it('scales by the longer side, portrait frames included', () => {
    const [view] = planDetectorViews(1080, 1920, settings);
    expect(view).toMatchObject({ scale: 1280 / 1920, width: 720, height: 1280 });
  });

  it('never enlarges a frame smaller than the detection size', () => {
    const [view] = planDetectorViews(250, 250, settings);
    expect(view).toEqual({ region: { x1: 0, y1: 0, x2: 250, y2: 250 }, scale: 1, width: 250, height: 250 });
    expect(viewInputSize(view as DetectorView)).toEqual({ width: 256, height: 256 });
  });

  it('keeps a degenerate frame at least one pixel wide', () => {
    const [view] = planDetectorViews(10_000, 1, { ...settings, maxSide: 100 });
    expect(view).toMatchObject({ width: 100, height: 1 });
  });

  it('adds full-resolution tiles of the whole view’s size over a larger frame when tiling is on', () => {
    const views = planDetectorViews(3840, 2160, { ...settings, tiles: true });
    const [whole, ...tiles] = views;
    expect(whole).toMatchObject({ scale: 1 / 3, width: 1280, height: 720 });
    expect(tiles.every((t) => t.scale === 1 && t.width === 1280 && t.height === 720)).toBe(true);
    // Every pixel of the frame lies in some tile, and neighbours share at least the overlap.
    const xs = [...new Set(tiles.map((t) => t.region.x1))].sort((a, b) => a - b);
    const ys = [...new Set(tiles.map((t) => t.region.y1))].sort((a, b) => a - b);
    expect(tiles).toHaveLength(xs.length * ys.length);
    expect(xs[0]).toBe(0);
    expect((xs.at(-1) as number) + 1280).toBe(3840);
    expect((ys.at(-1) as number) + 720).toBe(2160);
    for (let i = 1; i < xs.length; i += 1) expect((xs[i - 1] as number) + 1280 - (xs[i] as number)).toBeGreaterThanOrEqual(128);
    for (let i = 1; i < ys.length; i += 1) expect((ys[i - 1] as number) + 720 - (ys[i] as number)).toBeGreaterThanOrEqual(128);
  });

  it('adds no tiles to a frame that already fits the detection size', () => {
    expect(planDetectorViews(1280, 720, { ...settings, tiles: true })).toHaveLength(1);
  });
});

describe('planDetectorViews with a detector of limited reach (a pyramid)', () => {
  const reach = { largestFace: 112, pyramidRatio: 3, pyramidMinSide: 160 };

  it('adds coarser whole-frame views down to the minimum side; all but the coarsest keep faces up to the limit', () => {
    const views = planDetectorViews(1920, 1080, settings, reach);
    expect(views.map((v) => [v.width, v.height, v.largestFace])).toEqual([
      [1280, 720, 112],
      [427, 240, undefined],
    ]);
  });

  it('is one view when the frame is already small', () => {
    expect(planDetectorViews(250, 250, settings, reach)).toEqual([{ region: { x1: 0, y1: 0, x2: 250, y2: 250 }, scale: 1, width: 250, height: 250 }]);
  });

  it('limits tiles like the finer levels', () => {
    const views = planDetectorViews(3840, 2160, { ...settings, tiles: true }, reach);
    expect(views.filter((v) => v.scale === 1).every((v) => v.largestFace === 112)).toBe(true);
    expect(views.filter((v) => v.scale < 1).map((v) => v.largestFace)).toEqual([112, undefined]);
  });

  it('adds no level when the ratio does not shrink', () => {
    expect(planDetectorViews(1920, 1080, settings, { ...reach, pyramidRatio: 1 })).toHaveLength(1);
  });
});

describe('tileOffsets', () => {
  it('is one window when the length fits', () => {
    expect(tileOffsets(500, 640, 64)).toEqual([0]);
  });

  it('spreads windows evenly, the last flush with the end', () => {
    expect(tileOffsets(1000, 400, 100)).toEqual([0, 300, 600]);
  });

  it('still advances when the overlap is as large as the window', () => {
    expect(tileOffsets(3, 2, 5)).toEqual([0, 1]);
  });
});

describe('mapping a view back to the source', () => {
  const view: DetectorView = { region: { x1: 100, y1: 50, x2: 500, y2: 250 }, scale: 0.5, width: 200, height: 100 };

  it('maps boxes and landmarks from input pixels to source pixels', () => {
    expect(viewBoxToSource(view, { x1: 10, y1: 20, x2: 30, y2: 40 }, 1000, 1000)).toEqual({ x1: 120, y1: 90, x2: 160, y2: 130 });
    const points = [0, 1, 2, 3, 4].map((i) => ({ x: i, y: 2 * i })) as unknown as FivePointLandmarks;
    expect(viewLandmarksToSource(view, points)).toEqual([0, 1, 2, 3, 4].map((i) => ({ x: 100 + 2 * i, y: 50 + 4 * i })));
  });

  it('clips boxes to the source', () => {
    expect(viewBoxToSource(view, { x1: -100, y1: -100, x2: 1000, y2: 1000 }, 600, 300)).toEqual({ x1: 0, y1: 0, x2: 600, y2: 300 });
  });

  it('rounds up to a multiple', () => {
    expect([roundUpTo(720, 32), roundUpTo(736, 32), roundUpTo(1, 32)]).toEqual([736, 736, 32]);
  });
});

describe('viewTouchesCut', () => {
  const tile: DetectorView = { region: { x1: 100, y1: 100, x2: 300, y2: 300 }, scale: 1, width: 200, height: 200 };

  it('flags a box that reaches an edge of the tile lying inside the frame', () => {
    expect(viewTouchesCut(tile, { x1: 101, y1: 150, x2: 140, y2: 190 }, 1000, 1000)).toBe(true);
    expect(viewTouchesCut(tile, { x1: 150, y1: 101, x2: 190, y2: 140 }, 1000, 1000)).toBe(true);
    expect(viewTouchesCut(tile, { x1: 250, y1: 150, x2: 299, y2: 190 }, 1000, 1000)).toBe(true);
    expect(viewTouchesCut(tile, { x1: 150, y1: 250, x2: 190, y2: 300 }, 1000, 1000)).toBe(true);
  });

  it('keeps a box clear of the inner edges, and one on an edge of the frame itself', () => {
    expect(viewTouchesCut(tile, { x1: 150, y1: 150, x2: 190, y2: 190 }, 1000, 1000)).toBe(false);
    const corner: DetectorView = { region: { x1: 0, y1: 0, x2: 200, y2: 200 }, scale: 1, width: 200, height: 200 };
    expect(viewTouchesCut(corner, { x1: 0, y1: 0, x2: 40, y2: 40 }, 200, 200)).toBe(false);
  });
});

describe('chunkByInputPixels', () => {
  const input = { width: 100, height: 10 };
  it('puts as many views in a call as the pixel budget holds, in order', () => {
    expect(chunkByInputPixels([1, 2, 3, 4, 5], input, 2_500)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunkByInputPixels([1, 2, 3], input, 3_000)).toEqual([[1, 2, 3]]);
  });
  it('gives a view larger than the budget a call of its own', () => {
    expect(chunkByInputPixels([1, 2], input, 10)).toEqual([[1], [2]]);
  });
  it('makes no call without views', () => {
    expect(chunkByInputPixels([], input, 1_000)).toEqual([]);
  });
});
