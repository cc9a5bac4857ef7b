import { cropInside } from '../../../../src/infrastructure/onnx/landmark68-locator';

describe('cropInside', () => {
  it('leaves a box that lies inside the image unchanged', () => {
    expect(cropInside({ x1: 10, y1: 20, x2: 60, y2: 90 }, 100, 100)).toEqual({ x1: 10, y1: 20, x2: 60, y2: 90 });
  });

  it('shifts a box that crosses the left/top edge inwards, keeping its size', () => {
    expect(cropInside({ x1: -10, y1: -5, x2: 40, y2: 55 }, 100, 100)).toEqual({ x1: 0, y1: 0, x2: 50, y2: 60 });
  });

  it('shifts a box that crosses the right/bottom edge inwards, keeping its size', () => {
    expect(cropInside({ x1: 70, y1: 80, x2: 120, y2: 130 }, 100, 100)).toEqual({ x1: 50, y1: 50, x2: 100, y2: 100 });
  });

  it('shrinks a box larger than the image to the image', () => {
    expect(cropInside({ x1: -20, y1: -30, x2: 300, y2: 90 }, 200, 100)).toEqual({ x1: 0, y1: 0, x2: 200, y2: 100 });
  });

  it('gives an empty or inverted box a size of at least 1 pixel', () => {
    expect(cropInside({ x1: 50, y1: 50, x2: 50, y2: 40 }, 100, 100)).toEqual({ x1: 50, y1: 50, x2: 51, y2: 51 });
    expect(cropInside({ x1: 100, y1: 100, x2: 100, y2: 100 }, 100, 100)).toEqual({ x1: 99, y1: 99, x2: 100, y2: 100 });
  });

  it('keeps fractional coordinates', () => {
    const crop = cropInside({ x1: 10.5, y1: -2.25, x2: 30.75, y2: 17.75 }, 100, 100);
    expect(crop).toEqual({ x1: 10.5, y1: 0, x2: 30.75, y2: 20 });
  });
});
