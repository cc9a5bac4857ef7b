import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AnalyzeFaces } from '../../application/use-cases/analyze-faces';
import type { EnrollmentReport } from '../../application/use-cases/enroll-identities';
import type { AnalyzedFace } from '../../domain/face';
import { matchIdentity, type EnrolledIdentity } from '../../domain/identity';
import { evaluateFrame, MATCH_IOU, NEAR_IOU, summariseScenes, type DetectedFace, type FaceTally, type FrameEvaluation } from '../../domain/scene-evaluation';
import type { Config } from '../config/config';
import { DatasetError } from '../datasets/dataset-error';
import { readSceneManifest, type SceneManifest, type SceneManifestFrame } from '../datasets/scene-manifest';
import { percentile } from '../telemetry/stage-timings';
import { positiveInteger, readImageFile, UsageError, type CommandOutput } from './output';

/** The pipeline as the composition root builds it, with the scene set's gallery enrolled. */
export interface GalleryPipeline {
  readonly analyze: AnalyzeFaces;
  readonly enrolment: EnrollmentReport;
  readonly modelSet: string;
}

export type GalleryPipelineRunner = <T>(galleryDir: string, run: (pipeline: GalleryPipeline) => Promise<T>) => Promise<T>;

/** The issue's thresholds: recall is judged for faces ≥ 48 px, identification for faces ≥ 64 px. */
const AT_LEAST_SIZES = [48, 64];

/** The settings that change what is found, recognised or how fast: reported with every result. */
const REPORTED_SETTINGS = /^(MODEL_DIR|EXECUTION_PROVIDER|INFERENCE_WORKERS|ORT_|DETECTION_|NMS_|MAX_FACES_PER_IMAGE|MIN_FACE_SIZE|MIN_SHARPNESS|MAX_YAW_DEGREES|MATCH_THRESHOLD|IDENTIFY_THRESHOLD|FLIP_TTA)/;

const detectedFace = (face: AnalyzedFace): DetectedFace => ({
  box: face.box,
  identity: face.identity?.status === 'known' ? face.identity.identityId : null,
  embedded: face.embedding !== undefined,
});

/** The same face decided at another threshold: the gallery searched again with the face's embedding. */
const detectedFaceAt =
  (gallery: readonly EnrolledIdentity[], threshold: number) =>
  (face: AnalyzedFace): DetectedFace => {
    const match = face.embedding === undefined || gallery.length === 0 ? undefined : matchIdentity(face.embedding, gallery, threshold);
    return { ...detectedFace(face), identity: match?.status === 'known' ? match.identityId : null };
  };

const truthOf = (frame: SceneManifestFrame) =>
  frame.faces.map((face) => ({ box: { x1: face.box[0], y1: face.box[1], x2: face.box[2], y2: face.box[3] }, bucket: face.bucket, person: face.person }));

interface Measured {
  readonly evaluations: FrameEvaluation[];
  /** The same frames with every identity decided at MATCH_THRESHOLD (the 1:1 threshold) instead of the service's IDENTIFY_THRESHOLD. */
  readonly evaluationsAtMatchThreshold: FrameEvaluation[];
  /** Wall time of each batch's analysis divided by its frames, ms. */
  readonly msPerFrame: number[];
  readonly analysisMs: number;
}

async function analyseFrames(
  data: string,
  manifest: SceneManifest,
  batchSize: number,
  pipeline: GalleryPipeline,
  matchThreshold: number,
  output: CommandOutput,
): Promise<Measured> {
  const { analyze } = pipeline;
  const atMatchThreshold = detectedFaceAt(pipeline.enrolment.identities, matchThreshold);
  const frames = manifest.frames;
  const readBatch = (start: number) => Promise.all(frames.slice(start, start + batchSize).map((f) => readImageFile(join(data, f.file))));
  // One batch first, untimed: the first calls pay for JIT compilation and lazy allocations.
  if (frames.length > 0) await analyze.execute(await readBatch(0));
  const evaluations: FrameEvaluation[] = [];
  const evaluationsAtMatchThreshold: FrameEvaluation[] = [];
  const msPerFrame: number[] = [];
  let analysisMs = 0;
  for (let start = 0; start < frames.length; start += batchSize) {
    const bytes = await readBatch(start);
    const began = performance.now();
    const outcomes = await analyze.execute(bytes);
    const elapsed = performance.now() - began;
    analysisMs += elapsed;
    msPerFrame.push(elapsed / bytes.length);
    outcomes.forEach((outcome, i) => {
      const frame = frames[start + i] as SceneManifestFrame;
      if (!outcome.ok) throw outcome.error;
      if (outcome.value.width !== frame.width || outcome.value.height !== frame.height) {
        throw new DatasetError(`${frame.file} is ${outcome.value.width}×${outcome.value.height}, the manifest says ${frame.width}×${frame.height}`);
      }
      evaluations.push(evaluateFrame(frame.kind, truthOf(frame), outcome.value.faces.map(detectedFace)));
      evaluationsAtMatchThreshold.push(evaluateFrame(frame.kind, truthOf(frame), outcome.value.faces.map(atMatchThreshold)));
    });
    output.progress(`analysed ${evaluations.length}/${frames.length} frames`);
  }
  output.progress('\n');
  return { evaluations, evaluationsAtMatchThreshold, msPerFrame, analysisMs };
}

const percent = (rate: number | null): string => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);
const round = (value: number, digits: number): number => Number(value.toFixed(digits));

function tallyRow(label: string, t: FaceTally): string {
  const cells = [
    label.padEnd(8),
    String(t.faces).padStart(6),
    String(t.found).padStart(6),
    percent(t.recall).padStart(7),
    `${t.iouMedian === null ? '-' : t.iouMedian.toFixed(2)}/${t.iouP10 === null ? '-' : t.iouP10.toFixed(2)}`.padStart(9),
    String(t.nearMisses).padStart(5),
    String(t.embedded).padStart(9),
    percent(t.identification).padStart(8),
    percent(t.identificationOfFound).padStart(9),
    String(t.misidentified).padStart(6),
  ];
  return cells.join(' ');
}

/**
 * `facerec eval scenes`: runs every frame of a scene set through the
 * pipeline the composition root builds from the environment (so detector,
 * quality and match settings apply), with the set's gallery enrolled, and
 * reports recall, identification and false positives per face-size bucket,
 * and the analysis speed. The last line is the report as JSON.
 */
export async function evalScenesCommand(
  config: Config,
  flags: { data?: string; batch?: string },
  output: CommandOutput,
  withPipeline: GalleryPipelineRunner,
): Promise<number> {
  if (!flags.data) throw new UsageError('eval scenes needs --data <folder written by facerec scenes>');
  const data = flags.data;
  const batchSize = positiveInteger(flags.batch, 'batch', config.MAX_BATCH);
  const manifest = await readSceneManifest(data);

  const { measured, enrolment, modelSet } = await withPipeline(join(data, manifest.gallery.dir), async (pipeline) => ({
    measured: await analyseFrames(data, manifest, batchSize, pipeline, config.MATCH_THRESHOLD, output),
    enrolment: pipeline.enrolment,
    modelSet: pipeline.modelSet,
  }));
  const summary = summariseScenes(measured.evaluations, AT_LEAST_SIZES);
  const atMatch = summariseScenes(measured.evaluationsAtMatchThreshold, AT_LEAST_SIZES);
  const strangers = (s: typeof summary) => s.kinds.find((k) => k.kind === 'samples')?.faces;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const settings = Object.fromEntries(Object.entries(config).filter(([name]) => REPORTED_SETTINGS.test(name)));
  const framesPerSecond = measured.analysisMs > 0 ? (summary.frames * 1000) / measured.analysisMs : null;
  const p50 = percentile(measured.msPerFrame, 50);
  const p95 = percentile(measured.msPerFrame, 95);

  const kinds = summary.kinds.map((k) => `${k.falsePositives.frames} ${k.kind}`).join(', ');
  output.line(`scenes: ${data} (seed ${manifest.seed}, ${summary.frames} frames: ${kinds})`);
  output.line(`model set: ${modelSet}; ${Object.entries(settings).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
  const enrolledPhotos = enrolment.identities.reduce((n, identity) => n + identity.embeddings.length, 0);
  output.line(`gallery: ${enrolment.identities.length} of ${manifest.gallery.people} people enrolled from ${enrolledPhotos} photos (${enrolment.rejected.length} rejected)`);
  output.line(
    `found = a detection with IoU ≥ ${MATCH_IOU} (one to one, best first); IoU = median/10th percentile of found faces; near = missed, but a detection overlaps it at IoU ${NEAR_IOU}–${MATCH_IOU}`,
  );
  output.line(`identities decided at IDENTIFY_THRESHOLD ${config.IDENTIFY_THRESHOLD} (the service's 1:N decision); wrong = taken for somebody else (a sample face: for anybody)`);
  output.line('size      faces  found  recall  IoU p50/10  near  embedded  id(all) id(found) wrong');
  for (const bucket of summary.buckets) output.line(tallyRow(`${bucket.bucket} px`, bucket));
  for (const row of summary.atLeast) output.line(tallyRow(`≥${row.minSize} px`, row));
  output.line(tallyRow('all', summary.all));
  const idRow = (s: typeof summary, threshold: string): string =>
    `${threshold}: id(all) ${[...s.buckets.map((b) => `${b.bucket} px ${percent(b.identification)}`), ...s.atLeast.map((r) => `≥${r.minSize} px ${percent(r.identification)}`)].join(', ')}; ` +
    `wrong ${s.all.misidentified - (strangers(s)?.misidentified ?? 0)} gallery faces, strangers (sample faces) taken for someone ${strangers(s)?.misidentified ?? 0} of ${strangers(s)?.embedded ?? 0} embedded`;
  output.line(idRow(summary, `at IDENTIFY_THRESHOLD ${config.IDENTIFY_THRESHOLD}`));
  output.line(idRow(atMatch, `at MATCH_THRESHOLD ${config.MATCH_THRESHOLD} (1:1)`));
  for (const k of summary.kinds) {
    output.line(
      `${k.kind.padEnd(9)} frames ${String(k.falsePositives.frames).padStart(4)}, faces ${String(k.faces.faces).padStart(5)}, recall ${percent(k.faces.recall).padStart(6)}, false positives ${k.falsePositives.total} (${(k.falsePositives.perFrame ?? 0).toFixed(3)} per frame)`,
    );
  }
  const fp = summary.falsePositives;
  output.line(
    `false positives: ${fp.total} in ${fp.frames} frames = ${(fp.perFrame ?? 0).toFixed(3)} per frame (${fp.nearFaces} overlap a face at IoU ≥ ${NEAR_IOU}: a box drawn differently or a second detection; ${fp.elsewhere} elsewhere)`,
  );
  output.line(
    `speed: ${summary.frames} frames in ${(measured.analysisMs / 1000).toFixed(1)} s of analysis, ${(framesPerSecond ?? 0).toFixed(2)} frames/s, batch ${batchSize}; ms per frame (batch time / frames) p50 ${p50.toFixed(1)}, p95 ${p95.toFixed(1)}; peak RSS ${peakRssMb.toFixed(0)} MB`,
  );
  const report = {
    evaluation: 'scenes',
    data,
    seed: manifest.seed,
    generator: { sharp: manifest.generator.sharp ?? null, libvips: manifest.generator.libvips ?? null },
    modelSet,
    settings,
    matchIou: MATCH_IOU,
    gallery: { people: manifest.gallery.people, enrolled: enrolment.identities.length, photos: enrolledPhotos, rejected: enrolment.rejected.length },
    ...summary,
    atMatchThreshold: { threshold: config.MATCH_THRESHOLD, buckets: atMatch.buckets, atLeast: atMatch.atLeast, all: atMatch.all, kinds: atMatch.kinds },
    speed: {
      frames: summary.frames,
      batch: batchSize,
      analysisSeconds: measured.analysisMs / 1000,
      framesPerSecond,
      msPerFrame: { p50, p95 },
      peakRssMb,
    },
  };
  // Four decimals are more than the data resolve (a rate over 120 faces moves in steps of 0.0083).
  output.line(JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? round(value, 4) : value)));
  return 0;
}
