import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { intersectionOverUnion } from '../../../src/domain/geometry';
import { SCENE_FACE_SIZES } from '../../../src/domain/scene-plan';
import type { SceneManifest } from '../../../src/infrastructure/datasets/scene-manifest';
import { cliError, ensureCliBuilt, runCli } from '../../support/cli';
import { buildSamplePortraitFolder, SAMPLES_DIR } from '../../support/portraits';

/**
 * `facerec scenes` and `facerec eval scenes` end to end, on portraits cut
 * from samples/ (no LFW needed): real images, real models.
 */

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Every file under `root` (relative path → SHA-256). */
async function digestTree(root: string): Promise<Map<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return new Map(await Promise.all(files.map(async (file) => [file.slice(root.length), sha256(await readFile(file))] as [string, string])));
}

interface TallyJson {
  faces: number;
  found: number;
  recall: number | null;
  identified: number;
  galleryFaces: number;
}

interface EvalReport {
  evaluation: string;
  seed: number;
  modelSet: string;
  settings: Record<string, unknown>;
  gallery: { people: number; enrolled: number; photos: number; rejected: number };
  frames: number;
  buckets: Array<{ bucket: number } & TallyJson>;
  atLeast: Array<{ minSize: number } & TallyJson>;
  all: TallyJson;
  falsePositives: { frames: number; total: number; perFrame: number; nearFaces: number; elsewhere: number };
  kinds: Array<{ kind: string; faces: TallyJson; falsePositives: { frames: number } }>;
  atMatchThreshold: { threshold: number; buckets: Array<{ bucket: number } & TallyJson> };
  speed: { frames: number; batch: number; framesPerSecond: number; msPerFrame: { p50: number; p95: number }; peakRssMb: number };
}

describe('facerec scenes and facerec eval scenes', () => {
  let scratch: string;
  let portraits: string;
  let people: string[];
  let first: string;
  let manifest: SceneManifest;
  const generate = (out: string, ...extra: string[]) =>
    runCli(['scenes', '--lfw', portraits, '--out', out, '--samples', SAMPLES_DIR, '--frames', '4', '--group-frames', '1', '--sample-frames', '1', '--min-photos', '5', '--gallery-photos', '3', ...extra]);

  beforeAll(async () => {
    await ensureCliBuilt();
    scratch = await mkdtemp(join(tmpdir(), 'facerec-scenes-'));
    portraits = join(scratch, 'portraits');
    people = await buildSamplePortraitFolder(portraits);
    first = join(scratch, 'first');
    const result = await generate(first);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    manifest = JSON.parse(await readFile(join(first, 'scenes.json'), 'utf8')) as SceneManifest;
  }, 300_000);

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('writes 1920×1080 camera-like JPEGs (4:2:0) for every planned frame', async () => {
    expect(manifest.frames.map((f) => f.kind)).toEqual(['standard', 'standard', 'standard', 'standard', 'group', 'samples']);
    for (const frame of manifest.frames) {
      const meta = await sharp(join(first, frame.file)).metadata();
      expect({ file: frame.file, format: meta.format, width: meta.width, height: meta.height, chroma: meta.chromaSubsampling, channels: meta.channels }).toEqual({
        file: frame.file,
        format: 'jpeg',
        width: 1920,
        height: 1080,
        chroma: '4:2:0',
        channels: 3,
      });
    }
  });

  it('records the ground truth: one face per size in standard frames, no overlaps, the 22 sample faces in a samples frame', () => {
    expect(manifest).toMatchObject({ version: 1, seed: 1, gallery: { dir: 'gallery', people: 22, photosPerPerson: 3 } });
    expect(manifest.generator).toMatchObject({ standardFrames: 4, groupFrames: 1, sampleFrames: 1, galleryPhotos: 3, minPhotos: 5, sizes: SCENE_FACE_SIZES });
    for (const frame of manifest.frames) {
      for (const [i, a] of frame.faces.entries()) {
        expect(a.box[0]).toBeGreaterThanOrEqual(0);
        expect(a.box[2]).toBeLessThanOrEqual(1920);
        expect(a.box[3]).toBeLessThanOrEqual(1080);
        for (const b of frame.faces.slice(i + 1)) {
          const box = (f: typeof a) => ({ x1: f.box[0], y1: f.box[1], x2: f.box[2], y2: f.box[3] });
          expect(intersectionOverUnion(box(a), box(b))).toBe(0);
        }
      }
    }
    for (const frame of manifest.frames.filter((f) => f.kind === 'standard')) {
      expect(frame.faces.map((f) => f.bucket).sort((a, b) => a - b)).toEqual(SCENE_FACE_SIZES);
      expect(frame.faces.every((f) => f.person !== null && people.includes(f.person))).toBe(true);
    }
    const samples = manifest.frames.find((f) => f.kind === 'samples');
    expect(samples?.faces).toHaveLength(22);
    expect(samples?.faces.every((f) => f.person === null && f.box[3] - f.box[1] >= 30 - 0.01 && f.box[3] - f.box[1] <= 80 + 0.01)).toBe(true);
  });

  it('writes a gallery of other photos of the same people, never the pasted ones', async () => {
    const galleryPeople = (await readdir(join(first, 'gallery'))).sort();
    expect(galleryPeople).toEqual([...people].sort());
    for (const person of galleryPeople) {
      const files = (await readdir(join(first, 'gallery', person))).sort();
      expect(files).toEqual(['1.jpg', '2.jpg', '3.jpg']);
      const gallery = new Set(await Promise.all(files.map(async (f) => sha256(await readFile(join(first, 'gallery', person, f))))));
      const pasted = manifest.frames.flatMap((f) => f.faces).filter((f) => f.person === person);
      for (const face of pasted) expect(gallery.has(sha256(await readFile(join(portraits, 'images', person, face.source))))).toBe(false);
    }
  });

  it('is deterministic: the same seed gives the same bytes and ground truth, another seed other frames', async () => {
    const again = join(scratch, 'again');
    expect((await generate(again)).code).toBe(0);
    expect(await digestTree(again)).toEqual(await digestTree(first));
    const other = join(scratch, 'other');
    expect((await generate(other, '--seed', '2')).code).toBe(0);
    const [a, b] = [await digestTree(first), await digestTree(other)];
    expect(a.get('/frames/standard-0001.jpg')).not.toEqual(b.get('/frames/standard-0001.jpg'));
  }, 300_000);

  it('replaces an earlier scene set in --out but refuses a folder holding other files', async () => {
    const out = join(scratch, 'reused');
    expect((await generate(out, '--frames', '1', '--group-frames', '0', '--sample-frames', '0')).code).toBe(0);
    expect((await generate(out, '--frames', '1', '--group-frames', '0', '--sample-frames', '0', '--seed', '3')).code).toBe(0);
    expect((await readdir(join(out, 'frames'))).sort()).toEqual(['standard-0001.jpg']);
    await writeFile(join(out, 'notes.txt'), 'mine\n');
    const refused = await generate(out);
    expect(refused.code).toBe(2);
    expect(cliError(refused.stderr).message).toMatch(/holds other files \(notes\.txt\)/);
  }, 300_000);

  it('rejects bad command lines with usage errors', async () => {
    expect(cliError((await runCli(['scenes', '--out', join(scratch, 'x')])).stderr).message).toMatch(/needs --lfw/);
    const gallery = await generate(join(scratch, 'y'), '--min-photos', '3');
    expect(gallery.code).toBe(2);
    expect(cliError(gallery.stderr).message).toMatch(/--min-photos \(3\) must exceed --gallery-photos \(3\)/);
    const missing = await runCli(['eval', 'scenes', '--data', join(scratch, 'nothing-here')]);
    expect(missing.code).toBe(1);
    expect(cliError(missing.stderr).code).toBe('dataset_error');
  });

  it('eval scenes: reports every bucket, the issue thresholds, false positives and speed, and finds the large faces', async () => {
    const result = await runCli(['eval', 'scenes', '--data', first, '--batch', '4']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n');
    for (const size of SCENE_FACE_SIZES) expect(result.stdout).toMatch(new RegExp(`^${size} px +\\d+ +\\d+ +[0-9.]+%`, 'm'));
    expect(result.stdout).toMatch(/^false positives: \d+ in 6 frames = [0-9.]+ per frame/m);
    expect(result.stdout).toMatch(/^at IDENTIFY_THRESHOLD 0.42: id\(all\) 24 px [0-9.-]+%?, .*≥64 px [0-9.-]+%?; wrong \d+ gallery faces, strangers \(sample faces\) taken for someone \d+ of \d+ embedded$/m);
    expect(result.stdout).toMatch(/^at MATCH_THRESHOLD 0.276 \(1:1\): id\(all\) 24 px /m);
    expect(result.stdout).toMatch(/^speed: 6 frames in [0-9.]+ s of analysis, [0-9.]+ frames\/s, batch 4; ms per frame .* p50 [0-9.]+, p95 [0-9.]+; peak RSS \d+ MB$/m);

    const report = JSON.parse(lines.at(-1) as string) as EvalReport;
    expect(report).toMatchObject({ evaluation: 'scenes', seed: 1, frames: 6, gallery: { people: 22, enrolled: 22, rejected: 0 } });
    expect(report.settings).toHaveProperty('DETECTION_THRESHOLD');
    expect(report.settings).toMatchObject({ MATCH_THRESHOLD: 0.276, IDENTIFY_THRESHOLD: 0.42 });
    // The same faces decided at the lower 1:1 threshold: every face identified at the 1:N threshold still is.
    expect(report.atMatchThreshold.threshold).toBe(0.276);
    report.buckets.forEach((bucket, i) => expect(report.atMatchThreshold.buckets[i]!.identified).toBeGreaterThanOrEqual(bucket.identified));
    expect(report.buckets.map((b) => b.bucket)).toEqual(SCENE_FACE_SIZES);
    expect(report.atLeast.map((r) => r.minSize)).toEqual([48, 64]);
    expect(report.all.faces).toBe(manifest.frames.reduce((n, f) => n + f.faces.length, 0));
    expect(report.kinds.map((k) => [k.kind, k.falsePositives.frames])).toEqual([
      ['standard', 4],
      ['group', 1],
      ['samples', 1],
    ]);
    expect(report.speed).toMatchObject({ frames: 6, batch: 4 });
    expect(report.speed.framesPerSecond).toBeGreaterThan(0);
    expect(report.speed.peakRssMb).toBeGreaterThan(0);

    const largest = report.buckets.find((b) => b.bucket === 160) as TallyJson;
    expect(largest.faces).toBe(4);
    expect(largest.found).toBeGreaterThanOrEqual(3);
    expect(largest.identified).toBeGreaterThanOrEqual(1);
  }, 300_000);

  it('eval gate: sweeps the quality gate over the scenes and blurred portraits, the configured policy first, at both thresholds', async () => {
    await writeFile(join(portraits, 'identities-20plus.txt'), `${people.join('\n')}\n`);
    const result = await runCli(['eval', 'gate', '--data', first, '--lfw', portraits, '--per-person', '1', '--batch', '4']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[3]).toMatch(/^\*size 16 sharp 16 yaw 60 \| LFW rejected σ0 [0-9.]+% σ2 [0-9.]+% σ3 [0-9.]+% σ5 [0-9.-]+%? \| scene faces rejected 24:/);
    expect(lines[4]).toMatch(/^ {2}id@0.276: 24:/);
    expect(lines[5]).toMatch(/^ {2}id@0.420: 24:/);
    const sweep = JSON.parse(lines.at(-1) as string) as {
      thresholds: number[];
      configured: unknown;
      rows: Array<{ policy: { minSharpness: number }; blurred: Array<{ sigma: number; photos: number; detected: number; rejected: number }> }>;
    };
    expect(sweep.thresholds).toEqual([0.276, 0.42]);
    expect(sweep.rows[0]!.policy).toEqual(sweep.configured);
    const configured = sweep.rows[0]!.blurred;
    expect(configured.map((b) => [b.sigma, b.photos])).toEqual([0, 2, 3, 5].map((sigma) => [sigma, people.length]));
    // Blur is what the sharpness rule is for: heavily blurred photos are turned away more often than the photos as taken.
    const rate = (sigma: number) => {
      const b = configured.find((x) => x.sigma === sigma)!;
      return b.detected === 0 ? 1 : b.rejected / b.detected;
    };
    expect(rate(5)).toBeGreaterThan(rate(0));
    const open = sweep.rows.find((r) => r.policy.minSharpness === 0)!;
    open.blurred.forEach((b, i) => expect(b.rejected).toBeLessThanOrEqual(configured[i]!.rejected));
  }, 300_000);
});
