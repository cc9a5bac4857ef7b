import { qualityVerdict, type QualityMeasures, type QualityPolicy } from './quality';

/**
 * Calibration of the quality gate: one analysis with the gate opened, then
 * every candidate policy applied to the measured faces. What a policy costs
 * (sharp faces of each size it turns away, and the identification left) is
 * set against what it is for (blurred photos it keeps out).
 */

/** A photo blurred on purpose (Gaussian σ px; 0 = as taken): its face's measures, or null when no face was detected. */
export interface BlurredPhotoSample {
  readonly sigma: number;
  readonly face: QualityMeasures | null;
}

/** What the pipeline made of a found face with the gate opened: its measures and the closest enrolled person. */
export interface FoundFace extends QualityMeasures {
  /** The gallery id of the best-scoring person, whatever the score (null without a gallery). */
  readonly bestIdentity: string | null;
  readonly bestSimilarity: number;
}

/** A ground-truth face of a scene. */
export interface SceneFaceSample {
  readonly bucket: number;
  /** Gallery id, or null for a person not in the gallery (a stranger). */
  readonly person: string | null;
  /** Null when no detection matched the face. */
  readonly found: FoundFace | null;
}

export interface BlurRejection {
  readonly sigma: number;
  readonly photos: number;
  /** Photos in which a face was detected: the gate judged these. */
  readonly detected: number;
  readonly rejected: number;
  /** rejected / detected; null when nothing was detected. */
  readonly rate: number | null;
}

export interface BucketUnderGate {
  readonly bucket: number;
  readonly found: number;
  /** Found faces the gate turns away. */
  readonly rejected: number;
  readonly rejectionRate: number | null;
}

export interface IdentificationUnderGate {
  readonly threshold: number;
  /** One row per bucket, then one per "at least" size (label ≥N). */
  readonly rows: readonly { readonly label: string; readonly galleryFaces: number; readonly identified: number; readonly rate: number | null }[];
  /** Gallery faces taken for somebody else. */
  readonly wrong: number;
  /** Faces of strangers that passed the gate, and how many of them were taken for someone enrolled. */
  readonly strangers: number;
  readonly strangersAccepted: number;
}

export interface GateSweepRow {
  readonly policy: QualityPolicy;
  readonly blurred: readonly BlurRejection[];
  readonly scenes: readonly BucketUnderGate[];
  readonly identification: readonly IdentificationUnderGate[];
}

const ratio = (count: number, total: number): number | null => (total === 0 ? null : count / total);

const passes = (measures: QualityMeasures, policy: QualityPolicy): boolean => qualityVerdict(measures, policy) === 'ok';

const sortedUnique = (values: readonly number[]): number[] => [...new Set(values)].sort((a, b) => a - b);

function blurRejection(samples: readonly BlurredPhotoSample[], policy: QualityPolicy): BlurRejection[] {
  return sortedUnique(samples.map((s) => s.sigma)).map((sigma) => {
    const photos = samples.filter((s) => s.sigma === sigma);
    const detected = photos.flatMap((s) => (s.face === null ? [] : [s.face]));
    const rejected = detected.filter((face) => !passes(face, policy)).length;
    return { sigma, photos: photos.length, detected: detected.length, rejected, rate: ratio(rejected, detected.length) };
  });
}

function identification(faces: readonly SceneFaceSample[], policy: QualityPolicy, threshold: number, atLeast: readonly number[]): IdentificationUnderGate {
  const accepted = (face: SceneFaceSample): FoundFace | null =>
    face.found !== null && passes(face.found, policy) && face.found.bestIdentity !== null && face.found.bestSimilarity >= threshold ? face.found : null;
  const row = (label: string, group: readonly SceneFaceSample[]) => {
    const gallery = group.filter((f) => f.person !== null);
    const identified = gallery.filter((f) => accepted(f)?.bestIdentity === f.person).length;
    return { label, galleryFaces: gallery.length, identified, rate: ratio(identified, gallery.length) };
  };
  const strangers = faces.filter((f) => f.person === null && f.found !== null && passes(f.found, policy));
  return {
    threshold,
    rows: [
      ...sortedUnique(faces.map((f) => f.bucket)).map((bucket) => row(String(bucket), faces.filter((f) => f.bucket === bucket))),
      ...atLeast.map((size) => row(`≥${size}`, faces.filter((f) => f.bucket >= size))),
    ],
    wrong: faces.filter((f) => f.person !== null && accepted(f) !== null && accepted(f)?.bestIdentity !== f.person).length,
    strangers: strangers.length,
    strangersAccepted: strangers.filter((f) => accepted(f) !== null).length,
  };
}

/** Every policy applied to the same measured faces. */
export function sweepQualityGate(
  input: {
    readonly blurred: readonly BlurredPhotoSample[];
    readonly scenes: readonly SceneFaceSample[];
    readonly thresholds: readonly number[];
    readonly atLeastSizes: readonly number[];
  },
  policies: readonly QualityPolicy[],
): GateSweepRow[] {
  return policies.map((policy) => ({
    policy,
    blurred: blurRejection(input.blurred, policy),
    scenes: sortedUnique(input.scenes.map((f) => f.bucket)).map((bucket) => {
      const found = input.scenes.flatMap((f) => (f.bucket === bucket && f.found !== null ? [f.found] : []));
      const rejected = found.filter((face) => !passes(face, policy)).length;
      return { bucket, found: found.length, rejected, rejectionRate: ratio(rejected, found.length) };
    }),
    identification: input.thresholds.map((threshold) => identification(input.scenes, policy, threshold, input.atLeastSizes)),
  }));
}

/**
 * The policies to try around a configured one: each rule varied alone over
 * its candidates (the others as configured), the configured policy first.
 */
export function policiesAround(
  configured: QualityPolicy,
  candidates: { readonly minFaceSize: readonly number[]; readonly minSharpness: readonly number[]; readonly maxYawDegrees: readonly number[] },
): QualityPolicy[] {
  const key = (p: QualityPolicy) => `${p.minFaceSize}/${p.minSharpness}/${p.maxYawDegrees}`;
  const all = [
    configured,
    ...candidates.minSharpness.map((minSharpness) => ({ ...configured, minSharpness })),
    ...candidates.minFaceSize.map((minFaceSize) => ({ ...configured, minFaceSize })),
    ...candidates.maxYawDegrees.map((maxYawDegrees) => ({ ...configured, maxYawDegrees })),
  ];
  const seen = new Set<string>();
  return all.filter((p) => (seen.has(key(p)) ? false : (seen.add(key(p)), true)));
}
