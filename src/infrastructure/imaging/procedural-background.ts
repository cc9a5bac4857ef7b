import sharp from 'sharp';
import type { BackgroundPlan, BackgroundShape, Rgb } from '../../domain/scene-look';
import { SeededRandom } from '../../domain/seeded-random';

/**
 * Paints a planned background as a float RGB canvas (0–255, interleaved).
 * Every random choice comes from the plan's seed, so a plan paints the same
 * pixels every time.
 */
export interface FloatCanvas {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Smooth random field in [0, 1]: values on a lattice of `cell` px, interpolated with smoothstep. */
class ValueNoise {
  private readonly columns: number;
  private readonly lattice: Float32Array;

  constructor(
    random: SeededRandom,
    width: number,
    height: number,
    private readonly cell: number,
  ) {
    this.columns = Math.ceil(width / cell) + 2;
    const rows = Math.ceil(height / cell) + 2;
    this.lattice = new Float32Array(this.columns * rows);
    for (let i = 0; i < this.lattice.length; i += 1) this.lattice[i] = random.next();
  }

  /** Adds `amplitude` × noise(x, y) for every pixel of a row into `row`. */
  addRow(row: Float32Array, y: number, amplitude: number): void {
    const gy = y / this.cell;
    const y0 = Math.floor(gy);
    const ty = gy - y0;
    const wy = ty * ty * (3 - 2 * ty);
    const top = y0 * this.columns;
    const bottom = top + this.columns;
    for (let x = 0; x < row.length; x += 1) {
      const gx = x / this.cell;
      const x0 = Math.floor(gx);
      const tx = gx - x0;
      const wx = tx * tx * (3 - 2 * tx);
      const a = this.lattice[top + x0] as number;
      const b = this.lattice[top + x0 + 1] as number;
      const c = this.lattice[bottom + x0] as number;
      const d = this.lattice[bottom + x0 + 1] as number;
      row[x] = (row[x] as number) + amplitude * (a + (b - a) * wx + (c - a + (a - b + d - c) * wx) * wy);
    }
  }
}

/** Fractal (multi-octave) value noise, normalised to [0, 1]. */
class FractalNoise {
  private readonly octaves: Array<{ noise: ValueNoise; amplitude: number }> = [];
  private readonly total: number;

  constructor(random: SeededRandom, width: number, height: number, cell: number, octaves: number) {
    let amplitude = 1;
    let size = cell;
    for (let o = 0; o < octaves; o += 1) {
      this.octaves.push({ noise: new ValueNoise(random, width, height, Math.max(2, size)), amplitude });
      amplitude /= 2;
      size /= 2;
    }
    this.total = this.octaves.reduce((s, o) => s + o.amplitude, 0);
  }

  row(into: Float32Array, y: number): Float32Array {
    into.fill(0);
    for (const { noise, amplitude } of this.octaves) noise.addRow(into, y, amplitude / this.total);
    return into;
  }
}

/** A repeatable value in [0, 1) for integer coordinates (a brick, a tile) under a seed. */
function cellHash(seed: number, a: number, b: number): number {
  let h = Math.imul(seed ^ Math.imul(a, 0x27d4eb2d), 0x165667b1) ^ Math.imul(b, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

const mix = (a: number, b: number, t: number): number => a + (b - a) * t;

function setPixel(data: Float32Array, offset: number, colour: Rgb, factor = 1): void {
  data[offset] = colour[0] * factor;
  data[offset + 1] = colour[1] * factor;
  data[offset + 2] = colour[2] * factor;
}

function paintGradient(canvas: FloatCanvas, from: Rgb, to: Rgb, angleDegrees: number): void {
  const { width, height, data } = canvas;
  const angle = (angleDegrees * Math.PI) / 180;
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const extent = Math.abs(dx) * width + Math.abs(dy) * height;
  const offset = (dx < 0 ? -dx * width : 0) + (dy < 0 ? -dy * height : 0);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const t = (x * dx + y * dy + offset) / extent;
      const o = (y * width + x) * 3;
      data[o] = mix(from[0], to[0], t);
      data[o + 1] = mix(from[1], to[1], t);
      data[o + 2] = mix(from[2], to[2], t);
    }
  }
}

/** Multiplies every pixel by 1 + amplitude · (noise − 0.5) · 2, row by row. */
function modulate(canvas: FloatCanvas, noise: FractalNoise, amplitude: number): void {
  const { width, height, data } = canvas;
  const row = new Float32Array(width);
  for (let y = 0; y < height; y += 1) {
    noise.row(row, y);
    for (let x = 0; x < width; x += 1) {
      const factor = 1 + amplitude * ((row[x] as number) - 0.5) * 2;
      const o = (y * width + x) * 3;
      data[o] = (data[o] as number) * factor;
      data[o + 1] = (data[o + 1] as number) * factor;
      data[o + 2] = (data[o + 2] as number) * factor;
    }
  }
}

/** Fine surface texture: adds ±grain levels of small-scale noise to every channel alike. */
function addGrain(canvas: FloatCanvas, random: SeededRandom, grain: number): void {
  const { width, height, data } = canvas;
  const noise = new FractalNoise(random, width, height, 6, 2);
  const row = new Float32Array(width);
  for (let y = 0; y < height; y += 1) {
    noise.row(row, y);
    for (let x = 0; x < width; x += 1) {
      const delta = ((row[x] as number) - 0.5) * 2 * grain;
      const o = (y * width + x) * 3;
      data[o] = (data[o] as number) + delta;
      data[o + 1] = (data[o + 1] as number) + delta;
      data[o + 2] = (data[o + 2] as number) + delta;
    }
  }
}

function paintNoise(canvas: FloatCanvas, random: SeededRandom, palette: readonly Rgb[], cell: number, octaves: number): void {
  const { width, height, data } = canvas;
  const noise = new FractalNoise(random, width, height, cell, octaves);
  const row = new Float32Array(width);
  const last = palette.length - 1;
  for (let y = 0; y < height; y += 1) {
    noise.row(row, y);
    for (let x = 0; x < width; x += 1) {
      // Fractal noise clusters around 0.5: stretch it so the whole palette shows.
      const t = Math.min(1, Math.max(0, ((row[x] as number) - 0.5) * 2.2 + 0.5)) * last;
      const i = Math.min(last - 1, Math.floor(t));
      const a = palette[i] as Rgb;
      const b = palette[i + 1] as Rgb;
      const f = t - i;
      const o = (y * width + x) * 3;
      data[o] = mix(a[0], b[0], f);
      data[o + 1] = mix(a[1], b[1], f);
      data[o + 2] = mix(a[2], b[2], f);
    }
  }
}

function paintStripes(canvas: FloatCanvas, colours: readonly [Rgb, Rgb], period: number, angleDegrees: number, softness: number): void {
  const { width, height, data } = canvas;
  const angle = (angleDegrees * Math.PI) / 180;
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const phase = (x * dx + y * dy) / period;
      const hard = phase - Math.floor(phase) < 0.5 ? 1 : 0;
      const soft = 0.5 + 0.5 * Math.sin(2 * Math.PI * phase);
      const t = mix(hard, soft, softness);
      const o = (y * width + x) * 3;
      data[o] = mix(colours[0][0], colours[1][0], t);
      data[o + 1] = mix(colours[0][1], colours[1][1], t);
      data[o + 2] = mix(colours[0][2], colours[1][2], t);
    }
  }
}

/** Bricks in running bond (every other course shifted by half a brick), or square tiles when `running` is false. */
function paintMasonry(
  canvas: FloatCanvas,
  seed: number,
  unit: { width: number; height: number; joint: number; running: boolean },
  colourOf: (course: number, index: number) => Rgb,
  joint: Rgb,
  jitter: number,
): void {
  const { width, height, data } = canvas;
  const pitchX = unit.width + unit.joint;
  const pitchY = unit.height + unit.joint;
  for (let y = 0; y < height; y += 1) {
    const course = Math.floor(y / pitchY);
    const inJointY = y - course * pitchY < unit.joint;
    const shift = unit.running && course % 2 === 1 ? Math.floor(pitchX / 2) : 0;
    for (let x = 0; x < width; x += 1) {
      const index = Math.floor((x + shift) / pitchX);
      const o = (y * width + x) * 3;
      if (inJointY || x + shift - index * pitchX < unit.joint) setPixel(data, o, joint);
      else setPixel(data, o, colourOf(course, index), 1 + jitter * (cellHash(seed, course, index) - 0.5) * 2);
    }
  }
}

function paintShapes(canvas: FloatCanvas, shapes: readonly BackgroundShape[]): void {
  const { width, height, data } = canvas;
  for (const shape of shapes) {
    const halfW = (shape.width * width) / 2;
    const halfH = (shape.height * height) / 2;
    const cx = shape.x * width;
    const cy = shape.y * height;
    const x0 = Math.max(0, Math.floor(cx - halfW));
    const x1 = Math.min(width, Math.ceil(cx + halfW));
    const y0 = Math.max(0, Math.floor(cy - halfH));
    const y1 = Math.min(height, Math.ceil(cy + halfH));
    for (let y = y0; y < y1; y += 1) {
      for (let x = x0; x < x1; x += 1) {
        if (shape.shape === 'disc' && ((x + 0.5 - cx) / halfW) ** 2 + ((y + 0.5 - cy) / halfH) ** 2 > 1) continue;
        setPixel(data, (y * width + x) * 3, shape.colour);
      }
    }
  }
}

async function blurCanvas(canvas: FloatCanvas, sigma: number): Promise<void> {
  const { width, height, data } = canvas;
  const bytes = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i += 1) bytes[i] = Math.min(255, Math.max(0, Math.round(data[i] as number)));
  const blurred = await sharp(bytes, { raw: { width, height, channels: 3 } }).blur(sigma).raw().toBuffer();
  for (let i = 0; i < data.length; i += 1) data[i] = blurred[i] as number;
}

export async function paintBackground(plan: BackgroundPlan, width: number, height: number): Promise<FloatCanvas> {
  const canvas: FloatCanvas = { width, height, data: new Float32Array(width * height * 3) };
  const random = new SeededRandom(plan.seed);
  switch (plan.kind) {
    case 'noise':
      paintNoise(canvas, random, plan.palette, plan.cell, plan.octaves);
      break;
    case 'gradient':
      paintGradient(canvas, plan.from, plan.to, plan.angle);
      modulate(canvas, new FractalNoise(random, width, height, 240, 3), plan.blotches);
      break;
    case 'stripes':
      paintStripes(canvas, plan.colours, plan.period, plan.angle, plan.softness);
      break;
    case 'bricks':
      paintMasonry(canvas, plan.seed, { width: plan.width, height: plan.height, joint: plan.joint, running: true }, () => plan.brick, plan.mortar, plan.jitter);
      break;
    case 'tiles':
      paintMasonry(
        canvas,
        plan.seed,
        { width: plan.tile, height: plan.tile, joint: plan.joint, running: false },
        (course, index) => plan.colours[(course + index) % 2] as Rgb,
        plan.grout,
        plan.jitter,
      );
      break;
    case 'shapes':
      paintGradient(canvas, plan.from, plan.to, 90);
      paintShapes(canvas, plan.shapes);
      await blurCanvas(canvas, plan.blur);
      break;
  }
  addGrain(canvas, random, plan.grain);
  return canvas;
}
