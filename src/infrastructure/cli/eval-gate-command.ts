import { join } from 'node:path';
import sharp from 'sharp';
import type { AnalyzeFaces } from '../../application/use-cases/analyze-faces';
import { mostCentralFace } from '../../domain/detection';
import type { AnalyzedFace } from '../../domain/face';
import { policiesAround, sweepQualityGate, type BlurredPhotoSample, type GateSweepRow, type SceneFaceSample } from '../../domain/gate-sweep';
import { matchIdentity, type EnrolledIdentity } from '../../domain/identity';
import type { QualityMeasures, QualityPolicy } from '../../domain/quality';
import { matchDetections } from '../../domain/scene-evaluation';
import type { Config } from '../config/config';
import { LfwDataset } from '../datasets/lfw-dataset';
import { readSceneManifest, type SceneManifest } from '../datasets/scene-manifest';
import type { GalleryPipelineRunner } from './eval-scenes-command';
import { positiveInteger, readImageFile, UsageError, type CommandOutput } from './output';

/** Gaussian σ (px) the LFW photos are blurred with; 0 = the photo as it is. */
const BLUR_SIGMAS = [0, 2, 3, 5];
const AT_LEAST_SIZES = [48, 64];
/** The candidates each rule is varied over (the configured value is added). */
const CANDIDATES = {
  minSharpness: [0, 4, 6, 8, 10, 12, 14, 16, 20, 25, 30],
  minFaceSize: [0, 16, 20, 24, 28, 32],
  maxYawDegrees: [30, 45, 60, 75, 90],
};

const measuresOf = (face: AnalyzedFace): QualityMeasures => ({
  faceSize: face.quality.faceSize,
  sharpness: face.quality.sharpness,
  yawDegrees: face.quality.pose.yaw,
});

/** The closest enrolled person, whatever the score (threshold −1 accepts every cosine). */
function closestPerson(face: AnalyzedFace, gallery: readonly EnrolledIdentity[]): { bestIdentity: string | null; bestSimilarity: number } {
  const match = face.embedding === undefined ? null : matchIdentity(face.embedding, gallery, -1);
  return match?.status === 'known' ? { bestIdentity: match.identityId, bestSimilarity: match.similarity } : { bestIdentity: null, bestSimilarity: -1 };
}

async function sceneSamples(
  data: string,
  manifest: SceneManifest,
  analyze: AnalyzeFaces,
  gallery: readonly EnrolledIdentity[],
  batchSize: number,
  output: CommandOutput,
): Promise<SceneFaceSample[]> {
  const samples: SceneFaceSample[] = [];
  for (let start = 0; start < manifest.frames.length; start += batchSize) {
    const frames = manifest.frames.slice(start, start + batchSize);
    const outcomes = await analyze.execute(await Promise.all(frames.map((f) => readImageFile(join(data, f.file)))));
    outcomes.forEach((outcome, i) => {
      if (!outcome.ok) throw outcome.error;
      const frame = frames[i]!;
      const faces = outcome.value.faces;
      const truthBoxes = frame.faces.map((f) => ({ x1: f.box[0], y1: f.box[1], x2: f.box[2], y2: f.box[3] }));
      const matchOf = new Map(matchDetections(truthBoxes, faces.map((f) => f.box)).map((m) => [m.truth, faces[m.detection]!]));
      frame.faces.forEach((truth, ti) => {
        const face = matchOf.get(ti);
        samples.push({ bucket: truth.bucket, person: truth.person, found: face === undefined ? null : { ...measuresOf(face), ...closestPerson(face, gallery) } });
      });
    });
    output.progress(`scenes: analysed ${Math.min(start + batchSize, manifest.frames.length)}/${manifest.frames.length} frames`);
  }
  output.progress('\n');
  return samples;
}

/** The first `perPerson` photos of LFW's known people, each blurred at every σ, the most central face measured. */
async function blurredSamples(lfw: string, perPerson: number, analyze: AnalyzeFaces, batchSize: number, output: CommandOutput): Promise<BlurredPhotoSample[]> {
  const dataset = new LfwDataset(lfw);
  const photos = (await dataset.knownPeople()).flatMap((person) => person.photos.slice(0, perPerson));
  const jobs = photos.flatMap((photo) => BLUR_SIGMAS.map((sigma) => ({ photo, sigma })));
  const samples: BlurredPhotoSample[] = [];
  for (let start = 0; start < jobs.length; start += batchSize) {
    const batch = jobs.slice(start, start + batchSize);
    // PNG: lossless, so the blur is the only change to the photo.
    const images = await Promise.all(
      batch.map(async ({ photo, sigma }) => {
        const image = sharp(await dataset.read(photo));
        return new Uint8Array(await (sigma > 0 ? image.blur(sigma) : image).png({ compressionLevel: 1 }).toBuffer());
      }),
    );
    const outcomes = await analyze.execute(images);
    outcomes.forEach((outcome, i) => {
      if (!outcome.ok) throw outcome.error;
      const face = mostCentralFace(outcome.value.faces, outcome.value.width, outcome.value.height);
      samples.push({ sigma: batch[i]!.sigma, face: face === undefined ? null : measuresOf(face) });
    });
    output.progress(`LFW blurred: analysed ${Math.min(start + batchSize, jobs.length)}/${jobs.length} images`);
  }
  output.progress('\n');
  return samples;
}

const percent = (rate: number | null): string => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);
const policyLabel = (p: QualityPolicy): string => `size ${String(p.minFaceSize).padStart(2)} sharp ${String(p.minSharpness).padStart(2)} yaw ${String(p.maxYawDegrees).padStart(2)}`;

function rowLines(row: GateSweepRow, configured: QualityPolicy): string[] {
  const marker = row.policy === configured ? '*' : ' ';
  const blurred = row.blurred.map((b) => `σ${b.sigma} ${percent(b.rate)}`).join(' ');
  const scenes = row.scenes.map((s) => `${s.bucket}:${percent(s.rejectionRate)}`).join(' ');
  const ids = row.identification.map(
    (id) =>
      `  id@${id.threshold.toFixed(3)}: ${id.rows.map((r) => `${r.label}:${percent(r.rate)}`).join(' ')} wrong ${id.wrong}, strangers accepted ${id.strangersAccepted}/${id.strangers}`,
  );
  return [`${marker}${policyLabel(row.policy)} | LFW rejected ${blurred} | scene faces rejected ${scenes}`, ...ids];
}

/**
 * `facerec eval gate`: calibrates the quality gate by measurement. Analyses
 * a scene set (its gallery enrolled) and LFW photos blurred with Gaussian
 * σ = 2, 3, 5 once with the gate opened, then applies each candidate policy:
 * the share of blurred photos it rejects against the share of sharp scene
 * faces of each size it rejects and the identification left, at every
 * identification threshold configured. Last line: the sweep as JSON.
 */
export async function evalGateCommand(
  config: Config,
  flags: { data?: string; lfw?: string; 'per-person'?: string; batch?: string },
  output: CommandOutput,
  withPipeline: GalleryPipelineRunner,
  thresholds: readonly number[],
): Promise<number> {
  if (!flags.data || !flags.lfw) throw new UsageError('eval gate needs --data <folder written by facerec scenes> and --lfw <LFW directory>');
  const data = flags.data;
  const lfw = flags.lfw;
  const perPerson = positiveInteger(flags['per-person'], 'per-person', 5);
  const batchSize = positiveInteger(flags.batch, 'batch', config.MAX_BATCH);
  const manifest = await readSceneManifest(data);
  const started = Date.now();
  const { scenes, blurred, modelSet } = await withPipeline(join(data, manifest.gallery.dir), async (pipeline) => ({
    scenes: await sceneSamples(data, manifest, pipeline.analyze, pipeline.enrolment.identities, batchSize, output),
    blurred: await blurredSamples(lfw, perPerson, pipeline.analyze, batchSize, output),
    modelSet: pipeline.modelSet,
  }));
  const configured: QualityPolicy = { minFaceSize: config.MIN_FACE_SIZE, minSharpness: config.MIN_SHARPNESS, maxYawDegrees: config.MAX_YAW_DEGREES };
  const policies = policiesAround(configured, CANDIDATES);
  const rows = sweepQualityGate({ blurred, scenes, thresholds, atLeastSizes: AT_LEAST_SIZES }, policies);

  output.line(`quality gate sweep: scenes ${data} (seed ${manifest.seed}, ${manifest.frames.length} frames), LFW ${lfw} (${perPerson} photos of each known person, blurred σ ${BLUR_SIGMAS.join('/')})`);
  output.line(`model set: ${modelSet}; DETECTION_SIZE=${config.DETECTION_SIZE} DETECTION_TILES=${config.DETECTION_TILES}; analysed once with the gate opened (gallery enrolled without a gate), ${((Date.now() - started) / 1000).toFixed(0)} s`);
  output.line('rejected = share of detected faces the policy turns away; id = share of gallery faces found, passed and recognised as themselves at the threshold (* = configured)');
  for (const row of rows) for (const line of rowLines(row, configured)) output.line(line);
  output.line(JSON.stringify({ evaluation: 'quality-gate', data, lfw, perPerson, modelSet, configured, thresholds, rows }));
  return 0;
}
