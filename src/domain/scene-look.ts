import type { SeededRandom } from './seeded-random';

/**
 * How a generated frame looks apart from its faces: the procedural
 * background, the scene's lighting and the camera's finish. Drawn here from
 * a seeded stream; painted by the renderer in the imaging adapters.
 */

/** 8-bit sRGB. */
export type Rgb = readonly [number, number, number];

export type BackgroundPlan =
  /** Multi-scale value noise mapped through a palette (foliage, plaster, carpet…). */
  | { readonly kind: 'noise'; readonly palette: readonly Rgb[]; readonly cell: number; readonly octaves: number; readonly grain: number; readonly seed: number }
  /** A linear two-colour gradient with soft blotches (walls, sky). */
  | { readonly kind: 'gradient'; readonly from: Rgb; readonly to: Rgb; readonly angle: number; readonly blotches: number; readonly grain: number; readonly seed: number }
  /** Parallel bands (blinds, panelling, fabric). */
  | { readonly kind: 'stripes'; readonly colours: readonly [Rgb, Rgb]; readonly period: number; readonly angle: number; readonly softness: number; readonly grain: number; readonly seed: number }
  /** Running-bond bricks with mortar joints, each brick's shade jittered. */
  | { readonly kind: 'bricks'; readonly brick: Rgb; readonly mortar: Rgb; readonly width: number; readonly height: number; readonly joint: number; readonly jitter: number; readonly grain: number; readonly seed: number }
  /** Square tiles in two colours with grout lines (floors, façades). */
  | { readonly kind: 'tiles'; readonly colours: readonly [Rgb, Rgb]; readonly grout: Rgb; readonly tile: number; readonly joint: number; readonly jitter: number; readonly grain: number; readonly seed: number }
  /** Out-of-focus rectangles and discs over a gradient (an office, a street at night). */
  | { readonly kind: 'shapes'; readonly from: Rgb; readonly to: Rgb; readonly shapes: readonly BackgroundShape[]; readonly blur: number; readonly grain: number; readonly seed: number };

export interface BackgroundShape {
  readonly shape: 'disc' | 'rectangle';
  /** Centre and size as fractions of the frame's width and height. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly colour: Rgb;
}

export type LightField =
  | { readonly kind: 'flat' }
  /** Light falling off along a direction: the multiplier runs from 1 + strength/2 to 1 − strength/2. */
  | { readonly kind: 'gradient'; readonly angle: number; readonly strength: number }
  /** Darker corners: the multiplier falls by `strength` from the centre to the corners. */
  | { readonly kind: 'vignette'; readonly strength: number }
  /** A lamp: brighter around (x, y) (fractions of the frame), `radius` a fraction of the frame's diagonal. */
  | { readonly kind: 'spot'; readonly x: number; readonly y: number; readonly radius: number; readonly strength: number };

export interface LightingPlan {
  /** Exposure multiplier; dark frames are well below 1. */
  readonly gain: number;
  readonly dark: boolean;
  /** Output = 255 · (input / 255) ^ gamma. */
  readonly gamma: number;
  /** Per-channel multipliers: a warm or cool colour cast, or none. */
  readonly cast: Rgb;
  readonly field: LightField;
}

export interface FinishPlan {
  /** Gaussian blur sigma in px (lens softness, slight defocus); 0 = none. */
  readonly blurSigma: number;
  /** Standard deviation of the sensor noise in 8-bit levels. */
  readonly noiseSigma: number;
  /** JPEG quality (encoded with 4:2:0 chroma subsampling, as cameras do). */
  readonly jpegQuality: number;
  readonly seed: number;
}

export interface LookRanges {
  /** Share of frames that are dark (gain 0.3–0.5). */
  readonly darkShare: number;
  readonly jpegQuality: readonly [number, number];
}

/** HSV (hue in degrees, saturation and value in [0, 1]) to 8-bit sRGB. */
export function hsvToRgb(hue: number, saturation: number, value: number): Rgb {
  const h = (((hue % 360) + 360) % 360) / 60;
  const chroma = value * saturation;
  const x = chroma * (1 - Math.abs((h % 2) - 1));
  const sector = Math.floor(h);
  const [r, g, b] =
    sector === 0 ? [chroma, x, 0] : sector === 1 ? [x, chroma, 0] : sector === 2 ? [0, chroma, x] : sector === 3 ? [0, x, chroma] : sector === 4 ? [x, 0, chroma] : [chroma, 0, x];
  const m = value - chroma;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

const colour = (random: SeededRandom, value: readonly [number, number] = [0.25, 0.95]): Rgb =>
  hsvToRgb(random.between(0, 360), random.between(0.1, 0.8), random.between(value[0], value[1]));

/** A colour near `base` (same family, a different shade). */
const shadeOf = (random: SeededRandom, base: Rgb, spread: number): Rgb => {
  const factor = random.between(1 - spread, 1 + spread);
  return base.map((c) => Math.min(255, Math.max(0, Math.round(c * factor + random.between(-12, 12))))) as unknown as Rgb;
};

const BACKGROUND_KINDS = ['noise', 'gradient', 'stripes', 'bricks', 'tiles', 'shapes'] as const;

export function planBackground(random: SeededRandom): BackgroundPlan {
  const kind = random.pick(BACKGROUND_KINDS);
  const grain = random.between(2, 10);
  const seed = random.nextUint32();
  switch (kind) {
    case 'noise': {
      const base = colour(random);
      const palette = [base, shadeOf(random, base, 0.4), random.chance(0.5) ? colour(random) : shadeOf(random, base, 0.6)];
      return { kind, palette, cell: random.integer(24, 320), octaves: random.integer(2, 5), grain, seed };
    }
    case 'gradient':
      return { kind, from: colour(random), to: colour(random), angle: random.between(0, 360), blotches: random.between(0, 0.25), grain, seed };
    case 'stripes':
      return { kind, colours: [colour(random), colour(random)], period: random.integer(12, 160), angle: random.chance(0.6) ? random.pick([0, 90]) : random.between(0, 180), softness: random.between(0, 1), grain, seed };
    case 'bricks': {
      const width = random.integer(60, 200);
      const brick = hsvToRgb(random.between(0, 40), random.between(0.3, 0.7), random.between(0.3, 0.8));
      return { kind, brick, mortar: colour(random, [0.5, 0.9]), width, height: Math.round(width * random.between(0.3, 0.5)), joint: random.integer(2, 8), jitter: random.between(0.05, 0.25), grain, seed };
    }
    case 'tiles':
      return { kind, colours: [colour(random), colour(random)], grout: colour(random), tile: random.integer(40, 240), joint: random.integer(1, 6), jitter: random.between(0, 0.12), grain, seed };
    case 'shapes': {
      const shapes = Array.from({ length: random.integer(6, 30) }, (): BackgroundShape => ({
        shape: random.chance(0.5) ? 'disc' : 'rectangle',
        x: random.next(),
        y: random.next(),
        width: random.between(0.02, 0.3),
        height: random.between(0.02, 0.4),
        colour: colour(random, [0.15, 1]),
      }));
      return { kind, from: colour(random), to: colour(random), shapes, blur: random.between(2, 30), grain, seed };
    }
  }
}

export function planLighting(random: SeededRandom, ranges: LookRanges): LightingPlan {
  const dark = random.chance(ranges.darkShare);
  const gain = dark ? random.between(0.3, 0.5) : random.between(0.75, 1.2);
  const gamma = random.between(0.8, 1.25);
  const castKind = random.pick(['neutral', 'neutral', 'warm', 'cool'] as const);
  const strength = random.between(0.04, 0.18);
  const cast: Rgb = castKind === 'warm' ? [1 + strength, 1, 1 - strength] : castKind === 'cool' ? [1 - strength, 1, 1 + strength] : [1, 1, 1];
  const fieldKind = random.pick(['flat', 'gradient', 'vignette', 'spot'] as const);
  const field: LightField =
    fieldKind === 'gradient'
      ? { kind: 'gradient', angle: random.between(0, 360), strength: random.between(0.2, 0.7) }
      : fieldKind === 'vignette'
        ? { kind: 'vignette', strength: random.between(0.2, 0.6) }
        : fieldKind === 'spot'
          ? { kind: 'spot', x: random.next(), y: random.next(), radius: random.between(0.2, 0.6), strength: random.between(0.3, 0.8) }
          : { kind: 'flat' };
  return { gain, dark, gamma, cast, field };
}

/** Dark frames are noisier, as a camera's gain amplifies its sensor noise. */
export function planFinish(random: SeededRandom, lighting: LightingPlan, ranges: LookRanges): FinishPlan {
  const blurSigma = random.chance(0.3) ? 0 : random.between(0.4, 1.1);
  const noiseSigma = random.between(1, 3.5) * (lighting.dark ? 2 : 1);
  const jpegQuality = random.integer(ranges.jpegQuality[0], ranges.jpegQuality[1]);
  return { blurSigma, noiseSigma, jpegQuality, seed: random.nextUint32() };
}
