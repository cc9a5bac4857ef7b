import { hsvToRgb, planBackground, planFinish, planLighting, type BackgroundPlan, type LightingPlan, type Rgb } from '../../../src/domain/scene-look';
import { SeededRandom } from '../../../src/domain/seeded-random';

const RANGES = { darkShare: 0.15, jpegQuality: [70, 85] as const };

const isRgb = (c: Rgb): boolean => c.length === 3 && c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255);

const coloursOf = (plan: BackgroundPlan): Rgb[] => {
  switch (plan.kind) {
    case 'noise':
      return [...plan.palette];
    case 'gradient':
      return [plan.from, plan.to];
    case 'stripes':
      return [...plan.colours];
    case 'bricks':
      return [plan.brick, plan.mortar];
    case 'tiles':
      return [...plan.colours, plan.grout];
    case 'shapes':
      return [plan.from, plan.to, ...plan.shapes.map((s) => s.colour)];
  }
};

describe('hsvToRgb', () => {
  it.each([
    [0, [255, 0, 0]],
    [60, [255, 255, 0]],
    [120, [0, 255, 0]],
    [180, [0, 255, 255]],
    [240, [0, 0, 255]],
    [300, [255, 0, 255]],
    [-120, [0, 0, 255]],
    [720, [255, 0, 0]],
  ])('hue %p at full saturation and value is %p', (hue, rgb) => {
    expect(hsvToRgb(hue, 1, 1)).toEqual(rgb);
  });

  it('gives greys without saturation and scales with value', () => {
    expect(hsvToRgb(200, 0, 0.5)).toEqual([128, 128, 128]);
    expect(hsvToRgb(30, 0.5, 0)).toEqual([0, 0, 0]);
    expect(hsvToRgb(30, 0.5, 1)).toEqual([255, 191, 128]);
  });
});

describe('planBackground', () => {
  const plans = Array.from({ length: 400 }, (_, i) => planBackground(new SeededRandom(i)));

  it('draws every kind of background', () => {
    expect(new Set(plans.map((p) => p.kind))).toEqual(new Set(['noise', 'gradient', 'stripes', 'bricks', 'tiles', 'shapes']));
  });

  it('uses valid 8-bit colours and positive sizes', () => {
    for (const plan of plans) {
      expect(coloursOf(plan).every(isRgb)).toBe(true);
      expect(plan.grain).toBeGreaterThan(0);
      if (plan.kind === 'bricks') expect(plan.height).toBeLessThan(plan.width);
      if (plan.kind === 'shapes') expect(plan.shapes.length).toBeGreaterThanOrEqual(6);
    }
  });

  it('is the same plan for the same stream', () => {
    expect(planBackground(new SeededRandom(17))).toEqual(planBackground(new SeededRandom(17)));
  });
});

describe('planLighting and planFinish', () => {
  const lightings = Array.from({ length: 400 }, (_, i) => planLighting(new SeededRandom(i), RANGES));

  it('makes about darkShare of the frames dark, with a low gain', () => {
    const dark = lightings.filter((l) => l.dark);
    expect(dark.length).toBeGreaterThan(30);
    expect(dark.length).toBeLessThan(100);
    for (const l of dark) expect(l.gain).toBeLessThanOrEqual(0.5);
    for (const l of lightings.filter((x) => !x.dark)) expect(l.gain).toBeGreaterThanOrEqual(0.75);
    expect(Array.from({ length: 50 }, (_, i) => planLighting(new SeededRandom(i), { ...RANGES, darkShare: 0 })).some((l) => l.dark)).toBe(false);
  });

  it('draws every light field and neutral, warm and cool casts', () => {
    expect(new Set(lightings.map((l) => l.field.kind))).toEqual(new Set(['flat', 'gradient', 'vignette', 'spot']));
    const casts = lightings.map((l: LightingPlan) => (l.cast[0] > l.cast[2] ? 'warm' : l.cast[0] < l.cast[2] ? 'cool' : 'neutral'));
    expect(new Set(casts)).toEqual(new Set(['warm', 'cool', 'neutral']));
    for (const l of lightings) expect(l.cast[1]).toBe(1);
  });

  it('finishes with JPEG qualities in range, some unblurred frames, and more noise in the dark', () => {
    const finishes = lightings.map((l, i) => ({ lighting: l, finish: planFinish(new SeededRandom(1000 + i), l, RANGES) }));
    const qualities = finishes.map((f) => f.finish.jpegQuality);
    expect(Math.min(...qualities)).toBe(70);
    expect(Math.max(...qualities)).toBe(85);
    expect(finishes.some((f) => f.finish.blurSigma === 0)).toBe(true);
    expect(finishes.some((f) => f.finish.blurSigma >= 0.4)).toBe(true);
    for (const { lighting, finish } of finishes) {
      expect(finish.noiseSigma).toBeGreaterThanOrEqual(lighting.dark ? 2 : 1);
      expect(finish.noiseSigma).toBeLessThan(lighting.dark ? 7 : 3.5);
    }
  });
});
