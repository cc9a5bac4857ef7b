import {
  boxArea,
  boxCenter,
  boxHeight,
  boxToArray,
  boxWidth,
  clipBox,
  denormaliseBox,
  intersectionOverUnion,
} from '../../../src/domain/geometry';

const box = { x1: 10, y1: 20, x2: 50, y2: 80 };

describe('box measures', () => {
  it('width, height, area and centre', () => {
    expect(boxWidth(box)).toBe(40);
    expect(boxHeight(box)).toBe(60);
    expect(boxArea(box)).toBe(2400);
    expect(boxCenter(box)).toEqual({ x: 30, y: 50 });
  });

  it('an inverted box has zero width, height and area', () => {
    const inverted = { x1: 50, y1: 80, x2: 10, y2: 20 };
    expect(boxWidth(inverted)).toBe(0);
    expect(boxHeight(inverted)).toBe(0);
    expect(boxArea(inverted)).toBe(0);
  });

  it('boxToArray lists x1, y1, x2, y2', () => {
    expect(boxToArray(box)).toEqual([10, 20, 50, 80]);
  });
});

describe('intersectionOverUnion', () => {
  it('is 1 for identical boxes and symmetric', () => {
    expect(intersectionOverUnion(box, box)).toBe(1);
    const other = { x1: 30, y1: 20, x2: 70, y2: 80 };
    expect(intersectionOverUnion(box, other)).toBe(intersectionOverUnion(other, box));
  });

  it('is intersection / union for partial overlap', () => {
    // Two 10×10 boxes overlapping in a 5×10 strip: 50 / 150.
    expect(intersectionOverUnion({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 5, y1: 0, x2: 15, y2: 10 })).toBeCloseTo(1 / 3, 12);
    // A box inside another: inner area / outer area.
    expect(intersectionOverUnion({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 0, y1: 0, x2: 5, y2: 5 })).toBe(0.25);
  });

  it('is 0 for disjoint or touching boxes', () => {
    expect(intersectionOverUnion({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 20, y1: 20, x2: 30, y2: 30 })).toBe(0);
    expect(intersectionOverUnion({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 10, y1: 0, x2: 20, y2: 10 })).toBe(0);
  });

  it('is 0, not NaN, for two empty boxes', () => {
    const empty = { x1: 5, y1: 5, x2: 5, y2: 5 };
    expect(intersectionOverUnion(empty, empty)).toBe(0);
  });
});

describe('clipBox', () => {
  it('clamps every coordinate into the image', () => {
    expect(clipBox({ x1: -5, y1: -10, x2: 300, y2: 260 }, 250, 240)).toEqual({ x1: 0, y1: 0, x2: 250, y2: 240 });
  });

  it('leaves a box inside the image unchanged', () => {
    expect(clipBox(box, 250, 250)).toEqual(box);
  });
});

describe('denormaliseBox', () => {
  it('scales 0–1 coordinates to pixels', () => {
    expect(denormaliseBox({ x1: 0.1, y1: 0.25, x2: 0.5, y2: 1 }, 200, 100)).toEqual({ x1: 20, y1: 25, x2: 100, y2: 100 });
  });
});
