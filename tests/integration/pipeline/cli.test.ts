import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/infrastructure/config/config';
import { cliError, ensureCliBuilt, REPO_ROOT, runCli } from '../../support/cli';
import { noisePng } from '../../support/images';
import { otherPhotoPath, PORTRAIT_DIR, portraitPath } from '../../support/portraits';

describe('facerec CLI', () => {
  let scratch: string;
  let textFile: string;

  beforeAll(async () => {
    await ensureCliBuilt();
    scratch = await mkdtemp(join(tmpdir(), 'facerec-cli-'));
    textFile = join(scratch, 'notes.txt');
    await writeFile(textFile, 'this is not an image\n');
  }, 300_000);

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('exits 2 with a usage error for an unknown command', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(cliError(result.stderr)).toEqual({ code: 'usage', message: "unknown command 'frobnicate'" });
    expect(result.stderr).toContain('usage:');
    expect(result.stdout).toBe('');
  });

  it('exits 2 and prints the usage without a command', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('facerec detect <image>');
  });

  it('detect: exits 1 with image_decode_error for a text file', async () => {
    const result = await runCli(['detect', textFile]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const error = cliError(result.stderr);
    expect(error.code).toBe('image_decode_error');
    expect(error.message).toMatch(/^cannot decode image: /);
    expect(error.context).toEqual({ bytes: 21 });
  });

  it('detect: exits 1 with image_decode_error for a missing file', async () => {
    const missing = join(scratch, 'missing.jpg');
    const result = await runCli(['detect', missing]);
    expect(result.code).toBe(1);
    expect(cliError(result.stderr)).toEqual({
      code: 'image_decode_error',
      message: `cannot read ${missing}: ENOENT`,
      context: { path: missing, reason: 'ENOENT' },
    });
  });

  it('exits 1 with model_set_error, and does not hang on its worker threads, when a model file is not what the manifest says', async () => {
    const modelDir = join(scratch, 'mislabelled-models');
    await cp(join(REPO_ROOT, 'models', 'default'), modelDir, { recursive: true });
    const manifest = JSON.parse(await readFile(join(modelDir, 'manifest.json'), 'utf8')) as { detector: { family: string } };
    manifest.detector.family = 'retinaface';
    await writeFile(join(modelDir, 'manifest.json'), JSON.stringify(manifest));
    const result = await runCli(['detect', textFile], { MODEL_DIR: modelDir });
    expect(result.code).toBe(1);
    expect(cliError(result.stderr)).toMatchObject({ code: 'model_set_error', message: expect.stringContaining("looks like 'ultraface' but the manifest says 'retinaface'") });
  });

  it('reports a bad configuration value and exits 2', async () => {
    const result = await runCli(['detect', textFile], { MATCH_THRESHOLD: 'high' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("MATCH_THRESHOLD: 'high' is not a number");
  });

  describe('on face photos', () => {
    const personA = portraitPath('sample5-a');
    const personAagain = otherPhotoPath('sample5-a');
    const personB = portraitPath('sample2-c');
    let noFace: string;

    beforeAll(async () => {
      noFace = join(scratch, 'noise.png');
      await writeFile(noFace, await noisePng(300, 300));
    });

    it('detect: exits 0 and prints one face as JSON', async () => {
      const result = await runCli(['detect', personA]);
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout) as { image: string; width: number; height: number; faces_count: number; faces: Array<Record<string, unknown>> };
      expect(json).toMatchObject({ image: personA, width: 250, height: 250, faces_count: 1 });
      expect(json.faces).toHaveLength(1);
      const face = json.faces[0] as { box: number[]; landmarks: number[][]; quality: { passed: boolean; reason: string } };
      expect(face.box).toHaveLength(4);
      expect(face.landmarks).toHaveLength(5);
      expect(face.quality).toMatchObject({ passed: true, reason: 'ok' });
      expect(face).not.toHaveProperty('embedding');
    });

    it('compare: two photos of the same person are the same', async () => {
      const result = await runCli(['compare', personA, personAagain]);
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout) as { images: string[]; similarity: number; threshold: number; same: boolean };
      // The CLI reads its configuration from the environment it inherits.
      expect(json).toMatchObject({ images: [personA, personAagain], threshold: loadConfig(process.env).MATCH_THRESHOLD, same: true });
      expect(json.similarity).toBeGreaterThanOrEqual(json.threshold);
    });

    it('compare: photos of two different people are not the same', async () => {
      const result = await runCli(['compare', personA, personB]);
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout) as { similarity: number; threshold: number; same: boolean };
      expect(json.same).toBe(false);
      expect(json.similarity).toBeLessThan(json.threshold);
    });

    it('compare: exits 1 with face_not_detected when an image has no face', async () => {
      const result = await runCli(['compare', personA, noFace]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(cliError(result.stderr)).toEqual({
        code: 'face_not_detected',
        message: `no face found in ${noFace}`,
        context: { image: noFace, faces: 0 },
      });
    });

    it('compare: exits 2 unless given exactly two images', async () => {
      const result = await runCli(['compare', personA]);
      expect(result.code).toBe(2);
      expect(cliError(result.stderr)).toEqual({ code: 'usage', message: 'compare takes exactly two images' });
    });

    it('bench: reports each model\'s optimisation level, per-stage timings and the overhead line, without service logs', async () => {
      const result = await runCli(['bench', '--images', PORTRAIT_DIR, '--count', '16', '--batch', '8'], { LOG_LEVEL: '' });
      expect(result.code).toBe(0);
      // LOG_LEVEL unset: the CLI keeps the service's info logs (model ready, …) off stderr.
      expect(result.stderr).toBe('');
      for (const model of ['detector', 'landmarks', 'embedder']) {
        expect(result.stdout).toMatch(new RegExp(`^model ${model} +cpu, graph optimisation (extended|all) \\(probe ms/run: extended [0-9.]+, all [0-9.]+\\), load [0-9.]+ s$`, 'm'));
      }
      for (const stage of ['decode', 'detect', 'landmarks', 'align', 'embed']) expect(result.stdout).toMatch(new RegExp(`^${stage} +[0-9.]+ +[0-9.]+ +[0-9.]+$`, 'm'));
      expect(result.stdout).toMatch(/^images: 16, batch: 8, faces: \d+, wall: [0-9.]+ s$/m);
      expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(/^throughput: [0-9.]+ faces\/s, overhead: -?[0-9.]+% of model time$/);
    });
  });
});
