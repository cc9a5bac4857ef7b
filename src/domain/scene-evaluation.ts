import { intersectionOverUnion, type BoundingBox } from './geometry';

/**
 * Scoring of a detector + recogniser on frames with known faces: one-to-one
 * matching of detections to ground truth, then recall, identification and
 * false positives, per face-size bucket.
 */

/** A detection counts as finding a face at this overlap or more (lenient: detectors draw boxes differently). */
export const MATCH_IOU = 0.4;
/**
 * An unmatched detection overlapping a face by at least this much (but less
 * than MATCH_IOU) is most likely that face with a box drawn differently, not
 * a false positive on the background.
 */
export const NEAR_IOU = 0.1;

export interface TruthFace {
  readonly box: BoundingBox;
  readonly bucket: number;
  /** The gallery id of the person, or null for a face not in the gallery. */
  readonly person: string | null;
}

export interface DetectedFace {
  readonly box: BoundingBox;
  /** The identity the pipeline recognised (a gallery id), or null (unknown, or not embedded). */
  readonly identity: string | null;
  /** Whether the face passed the quality gate and was embedded. */
  readonly embedded: boolean;
}

export interface Match {
  readonly truth: number;
  readonly detection: number;
  readonly iou: number;
}

/**
 * Greedy one-to-one matching, best overlap first: every (face, detection)
 * pair with IoU ≥ `minIou`, sorted by IoU (ties: lower face index, then lower
 * detection index), is kept when neither side is matched yet.
 */
export function matchDetections(truth: readonly BoundingBox[], detections: readonly BoundingBox[], minIou = MATCH_IOU): Match[] {
  const candidates: Match[] = [];
  truth.forEach((t, ti) =>
    detections.forEach((d, di) => {
      const iou = intersectionOverUnion(t, d);
      if (iou >= minIou) candidates.push({ truth: ti, detection: di, iou });
    }),
  );
  candidates.sort((a, b) => b.iou - a.iou || a.truth - b.truth || a.detection - b.detection);
  const usedTruth = new Set<number>();
  const usedDetections = new Set<number>();
  const matches: Match[] = [];
  for (const candidate of candidates) {
    if (usedTruth.has(candidate.truth) || usedDetections.has(candidate.detection)) continue;
    usedTruth.add(candidate.truth);
    usedDetections.add(candidate.detection);
    matches.push(candidate);
  }
  return matches;
}

export interface FaceOutcome {
  readonly bucket: number;
  readonly inGallery: boolean;
  readonly found: boolean;
  /** IoU with the detection that found it; null when not found. */
  readonly iou: number | null;
  /** Found and passed the quality gate. */
  readonly embedded: boolean;
  /** Found and recognised as the right person. */
  readonly identified: boolean;
  /** Found and recognised as somebody else (or, for a face not in the gallery, as anybody). */
  readonly misidentified: boolean;
  /** Not found, but an unmatched detection overlaps it at NEAR_IOU ≤ IoU < MATCH_IOU. */
  readonly nearMiss: boolean;
}

export interface FrameEvaluation {
  readonly kind: string;
  readonly faces: readonly FaceOutcome[];
  /** Detections matched to no face. */
  readonly falsePositives: number;
  /**
   * Of those, the ones overlapping a face at IoU ≥ NEAR_IOU: a face's box
   * drawn differently, or a second detection of a found face, rather than
   * something on the background.
   */
  readonly falsePositivesNearFaces: number;
}

export function evaluateFrame(kind: string, truth: readonly TruthFace[], detections: readonly DetectedFace[]): FrameEvaluation {
  const matches = matchDetections(
    truth.map((t) => t.box),
    detections.map((d) => d.box),
  );
  const matchOf = new Map(matches.map((m) => [m.truth, m]));
  const matchedDetections = new Set(matches.map((m) => m.detection));
  const unmatched = detections.filter((_, i) => !matchedDetections.has(i));
  const bestOverlap = (box: BoundingBox, others: readonly BoundingBox[]): number => Math.max(0, ...others.map((o) => intersectionOverUnion(box, o)));

  const faces = truth.map((t, ti): FaceOutcome => {
    const match = matchOf.get(ti);
    const detection = match === undefined ? undefined : detections[match.detection];
    const recognised = detection?.identity ?? null;
    return {
      bucket: t.bucket,
      inGallery: t.person !== null,
      found: detection !== undefined,
      iou: match?.iou ?? null,
      embedded: detection?.embedded ?? false,
      identified: recognised !== null && recognised === t.person,
      misidentified: recognised !== null && recognised !== t.person,
      nearMiss: detection === undefined && bestOverlap(t.box, unmatched.map((d) => d.box)) >= NEAR_IOU,
    };
  });
  const truthBoxes = truth.map((t) => t.box);
  return {
    kind,
    faces,
    falsePositives: unmatched.length,
    falsePositivesNearFaces: unmatched.filter((d) => bestOverlap(d.box, truthBoxes) >= NEAR_IOU).length,
  };
}

export interface FaceTally {
  readonly faces: number;
  readonly found: number;
  /** found / faces; null without faces. */
  readonly recall: number | null;
  /**
   * Median and 10th percentile of the IoU of found faces with their
   * detections: how far the detector's boxes sit from the ground truth's
   * convention, i.e. how much of the MATCH_IOU margin is left.
   */
  readonly iouMedian: number | null;
  readonly iouP10: number | null;
  readonly nearMisses: number;
  readonly embedded: number;
  /** Faces whose person is in the gallery. */
  readonly galleryFaces: number;
  readonly identified: number;
  readonly misidentified: number;
  /** identified / gallery faces. */
  readonly identification: number | null;
  /** identified / found gallery faces. */
  readonly identificationOfFound: number | null;
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** The nearest-rank `p`-th percentile (0–100) of `values`; null without values. */
export function nearestRank(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export function tallyFaces(faces: readonly FaceOutcome[]): FaceTally {
  const count = (test: (face: FaceOutcome) => boolean): number => faces.reduce((n, face) => n + (test(face) ? 1 : 0), 0);
  const found = count((f) => f.found);
  const galleryFaces = count((f) => f.inGallery);
  const identified = count((f) => f.identified);
  const ious = faces.flatMap((f) => (f.iou === null ? [] : [f.iou]));
  return {
    faces: faces.length,
    found,
    recall: ratio(found, faces.length),
    iouMedian: nearestRank(ious, 50),
    iouP10: nearestRank(ious, 10),
    nearMisses: count((f) => f.nearMiss),
    embedded: count((f) => f.embedded),
    galleryFaces,
    identified,
    misidentified: count((f) => f.misidentified),
    identification: ratio(identified, galleryFaces),
    identificationOfFound: ratio(identified, count((f) => f.inGallery && f.found)),
  };
}

export interface FalsePositiveTally {
  readonly frames: number;
  readonly total: number;
  readonly perFrame: number | null;
  readonly nearFaces: number;
  readonly elsewhere: number;
}

function tallyFalsePositives(frames: readonly FrameEvaluation[]): FalsePositiveTally {
  const total = frames.reduce((n, f) => n + f.falsePositives, 0);
  const nearFaces = frames.reduce((n, f) => n + f.falsePositivesNearFaces, 0);
  return { frames: frames.length, total, perFrame: ratio(total, frames.length), nearFaces, elsewhere: total - nearFaces };
}

export interface ScenesSummary {
  readonly frames: number;
  /** One row per size bucket, smallest first. */
  readonly buckets: ReadonlyArray<{ readonly bucket: number } & FaceTally>;
  /** Cumulative rows: every face at least `minSize` px (the thresholds). */
  readonly atLeast: ReadonlyArray<{ readonly minSize: number } & FaceTally>;
  readonly all: FaceTally;
  readonly falsePositives: FalsePositiveTally;
  /** Per kind of frame (standard, group, samples), in order of first appearance. */
  readonly kinds: ReadonlyArray<{ readonly kind: string; readonly faces: FaceTally; readonly falsePositives: FalsePositiveTally }>;
}

export function summariseScenes(frames: readonly FrameEvaluation[], atLeastSizes: readonly number[]): ScenesSummary {
  const faces = frames.flatMap((f) => f.faces);
  const buckets = [...new Set(faces.map((f) => f.bucket))].sort((a, b) => a - b);
  const kinds = [...new Set(frames.map((f) => f.kind))];
  return {
    frames: frames.length,
    buckets: buckets.map((bucket) => ({ bucket, ...tallyFaces(faces.filter((f) => f.bucket === bucket)) })),
    atLeast: atLeastSizes.map((minSize) => ({ minSize, ...tallyFaces(faces.filter((f) => f.bucket >= minSize)) })),
    all: tallyFaces(faces),
    falsePositives: tallyFalsePositives(frames),
    kinds: kinds.map((kind) => {
      const ofKind = frames.filter((f) => f.kind === kind);
      return { kind, faces: tallyFaces(ofKind.flatMap((f) => f.faces)), falsePositives: tallyFalsePositives(ofKind) };
    }),
  };
}
