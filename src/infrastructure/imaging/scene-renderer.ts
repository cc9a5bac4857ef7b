import sharp from 'sharp';
import { SceneGenerationError } from '../../domain/errors';
import { PORTRAIT_LAYOUT, type FramePlan, type PortraitPaste, type SamplePaste } from '../../domain/scene-plan';
import type { FinishPlan, LightField, LightingPlan } from '../../domain/scene-look';
import { SeededRandom } from '../../domain/seeded-random';
import { paintBackground, type FloatCanvas } from './procedural-background';

/** The photos a frame is made of, by name. */
export interface SceneImages {
  portrait(person: string, photo: string): Promise<Uint8Array>;
  sample(file: string): Promise<Uint8Array>;
}

interface RgbPatch {
  readonly width: number;
  readonly height: number;
  readonly pixels: Buffer;
}

/** Decodes, scales (lanczos3) and optionally mirrors part of a photo to exactly width × height sRGB pixels. */
async function scaledPatch(
  bytes: Uint8Array,
  region: { left: number; top: number; width: number; height: number } | null,
  width: number,
  height: number,
  flip: boolean,
): Promise<RgbPatch> {
  // EXIF orientation applied, as the pipeline's decoder does.
  let image = sharp(bytes).autoOrient();
  if (region) image = image.extract(region);
  image = image.resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
  if (flip) image = image.flop();
  // LFW is greyscale: toColourspace gives three equal channels either way.
  const { data, info } = await image.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== width || info.height !== height) {
    throw new SceneGenerationError(`a scaled photo came out ${info.width}×${info.height}×${info.channels}, expected ${width}×${height}×3`);
  }
  return { width, height, pixels: data };
}

/** Alpha-blends a patch into the canvas at (left, top), with per-pixel opacity `alpha(x, y)` in [0, 1]. */
function blend(canvas: FloatCanvas, patch: RgbPatch, left: number, top: number, alpha: (x: number, y: number) => number): void {
  for (let y = 0; y < patch.height; y += 1) {
    const cy = top + y;
    if (cy < 0 || cy >= canvas.height) continue;
    for (let x = 0; x < patch.width; x += 1) {
      const cx = left + x;
      if (cx < 0 || cx >= canvas.width) continue;
      const a = alpha(x, y);
      if (a <= 0) continue;
      const o = (cy * canvas.width + cx) * 3;
      const p = (y * patch.width + x) * 3;
      for (let c = 0; c < 3; c += 1) canvas.data[o + c] = (canvas.data[o + c] as number) * (1 - a) + (patch.pixels[p + c] as number) * a;
    }
  }
}

const smoothstep = (edge0: number, edge1: number, v: number): number => {
  const t = Math.min(1, Math.max(0, (v - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
};

/**
 * Opacity of a portrait crop: opaque inside an ellipse holding the face,
 * fading to nothing at the ellipse inscribed in the crop, so no edge of the
 * crop (nor the rest of the 250×250 photo) remains.
 */
const ellipticalFeather =
  (width: number, height: number) =>
  (x: number, y: number): number => {
    const u = (x + 0.5 - width / 2) / (width / 2);
    const v = (y + 0.5 - height / 2) / (height / 2);
    return 1 - smoothstep(0.72, 1, Math.sqrt(u * u + v * v));
  };

/** Opacity of a pasted photo: opaque but for a soft border of `feather` px. */
const rectangularFeather =
  (width: number, height: number, feather: number) =>
  (x: number, y: number): number =>
    smoothstep(0, feather, Math.min(x + 0.5, width - x - 0.5)) * smoothstep(0, feather, Math.min(y + 0.5, height - y - 0.5));

async function pasteSample(canvas: FloatCanvas, paste: SamplePaste, images: SceneImages): Promise<void> {
  const patch = await scaledPatch(await images.sample(paste.file), null, paste.width, paste.height, paste.flip);
  blend(canvas, patch, paste.left, paste.top, rectangularFeather(paste.width, paste.height, Math.max(2, Math.min(paste.width, paste.height) * 0.02)));
}

async function portraitPatch(paste: PortraitPaste, images: SceneImages): Promise<RgbPatch> {
  const bytes = await images.portrait(paste.person, paste.photo);
  const { width, height } = (await sharp(bytes).metadata()).autoOrient;
  const { size, crop } = PORTRAIT_LAYOUT;
  if (width !== size || height !== size) {
    throw new SceneGenerationError(`${paste.person}/${paste.photo} is ${width}×${height}; portraits must be ${size}×${size} with the face centred, as in LFW`, {
      person: paste.person,
      photo: paste.photo,
    });
  }
  return scaledPatch(bytes, { left: crop.x1, top: crop.y1, width: crop.x2 - crop.x1, height: crop.y2 - crop.y1 }, paste.width, paste.height, paste.flip);
}

/** The light field's multiplier as a function of the pixel position. */
function fieldOf(field: LightField, width: number, height: number): (x: number, y: number) => number {
  switch (field.kind) {
    case 'flat':
      return () => 1;
    case 'gradient': {
      const angle = (field.angle * Math.PI) / 180;
      const dx = Math.cos(angle);
      const dy = Math.sin(angle);
      // t runs from −1 to 1 across the frame along the direction.
      const reach = Math.abs(dx) / 2 + Math.abs(dy) / 2;
      return (x, y) => 1 - (field.strength / 2) * (((x / width - 0.5) * dx + (y / height - 0.5) * dy) / reach);
    }
    case 'vignette':
      return (x, y) => 1 - (field.strength * ((x / width - 0.5) ** 2 + (y / height - 0.5) ** 2)) / 0.5;
    case 'spot': {
      const aspect = height / width;
      return (x, y) => {
        const d2 = ((x / width - field.x) ** 2 + ((y / height - field.y) * aspect) ** 2) / field.radius ** 2;
        return 1 - field.strength / 2 + field.strength * Math.exp(-d2);
      };
    }
  }
}

/** Exposure, light field, colour cast and gamma, into 8-bit pixels. */
function light(canvas: FloatCanvas, lighting: LightingPlan): Buffer {
  const { width, height, data } = canvas;
  const out = Buffer.alloc(data.length);
  // Gamma through a table: 16 steps per level is finer than the 8-bit output.
  const steps = 16;
  const table = new Uint8Array(255 * steps + 1);
  for (let i = 0; i < table.length; i += 1) table[i] = Math.round(255 * (i / (255 * steps)) ** lighting.gamma);
  const top = 255 * steps;
  const field = fieldOf(lighting.field, width, height);
  const gains = lighting.cast.map((c) => c * lighting.gain * steps);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const f = field(x, y);
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c += 1) {
        const v = Math.round((data[o + c] as number) * (gains[c] as number) * f);
        out[o + c] = table[v < 0 ? 0 : v > top ? top : v] as number;
      }
    }
  }
  return out;
}

/** Lens softness, sensor noise, and the camera's JPEG (4:2:0). */
async function finish(pixels: Buffer, width: number, height: number, plan: FinishPlan): Promise<Buffer> {
  const raw = { raw: { width, height, channels: 3 as const } };
  const soft = plan.blurSigma > 0 ? await sharp(pixels, raw).blur(plan.blurSigma).raw().toBuffer() : pixels;
  const random = new SeededRandom(plan.seed);
  // Each sample: the sum of four uniform bytes of one 32-bit draw (Irwin–Hall), scaled to unit variance: close to normal, and 4× cheaper.
  const unit = 1 / Math.sqrt((4 * (256 * 256 - 1)) / 12);
  const noisy = Buffer.alloc(soft.length);
  for (let i = 0; i < soft.length; i += 1) {
    const r = random.nextUint32();
    const sum = (r & 0xff) + ((r >>> 8) & 0xff) + ((r >>> 16) & 0xff) + (r >>> 24);
    noisy[i] = Math.min(255, Math.max(0, Math.round((soft[i] as number) + (sum - 510) * unit * plan.noiseSigma)));
  }
  return sharp(noisy, raw).jpeg({ quality: plan.jpegQuality, chromaSubsampling: '4:2:0' }).toBuffer();
}

/** Paints one planned frame and returns its JPEG bytes. */
export async function renderScene(frame: FramePlan, width: number, height: number, images: SceneImages): Promise<Buffer> {
  const [canvas, portraits] = await Promise.all([paintBackground(frame.background, width, height), Promise.all(frame.portraits.map((p) => portraitPatch(p, images)))]);
  for (const paste of frame.samples) await pasteSample(canvas, paste, images);
  frame.portraits.forEach((paste, i) => {
    const patch = portraits[i] as RgbPatch;
    blend(canvas, patch, paste.left, paste.top, ellipticalFeather(patch.width, patch.height));
  });
  return finish(light(canvas, frame.lighting), width, height, frame.finish);
}
