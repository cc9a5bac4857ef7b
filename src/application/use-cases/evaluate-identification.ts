import { cosineSimilarity, type Embedding } from '../../domain/embedding';
import {
  detCurve,
  errorRatesAt,
  operatingPointAtFalsePositiveRate,
  type DetPoint,
  type OperatingPoint,
  type Score,
  type TargetOperatingPoint,
  type TrialScores,
} from '../../domain/error-rates';
import type { AnalyzedFace } from '../../domain/face';
import { openSetTrials, rankIdentificationRate, searchGallery, type SearchOutcome } from '../../domain/identification';
import { closestReferenceScore, enrolIdentity, identityScore, type EnrolledIdentity, type IdentityScoring } from '../../domain/identity';
import type { Proportion } from '../../domain/proportion';
import { assessQuality, type QualityPolicy } from '../../domain/quality';
import type { IdentificationDataset } from '../ports/identification-dataset';
import type { ImagePair, VerificationDataset } from '../ports/verification-dataset';
import type { AnalyzeFaces } from './analyze-faces';
import { analyzeInBatches, type BatchRun } from './analyze-in-batches';
import { photoSubject, subjectEmbedding, type PhotoSubject } from './photo-subject';

export interface IdentificationOptions extends BatchRun {
  /** Photos of each known person to enrol, the first ones in the dataset's order; the rest are probes. */
  readonly enrolPhotos: number;
  /** The quality gate the service runs, applied to the analyses made with the gate opened. */
  readonly serviceQuality: QualityPolicy;
  readonly matchThreshold: number;
  /** The service's 1:N threshold (IDENTIFY_THRESHOLD): searches are also reported at it. */
  readonly identifyThreshold: number;
  /** FPIRs at which FNIR is reported (NIST FRVT: 1 %, 0.1 %). */
  readonly fpirTargets: readonly number[];
  /** FAR at which TAR is reported on the verification pairs. */
  readonly farTarget: number;
}

export interface ImageFailure {
  readonly image: string;
  /** photoSubject's reason: face_not_detected, quality_gate, or an error code. */
  readonly reason: string;
}

/** A search result worth looking at: who the probe photo was taken for. */
export interface ReturnedIdentity {
  readonly image: string;
  /** The identity with the top score. */
  readonly returned: string;
  readonly score: number;
  /** For a mated probe, its mate's score. */
  readonly mateScore?: number;
}

/** How many of the highest non-mated scores the report lists: those the FPIR 0.1 % threshold of ~7,000 searches rests on. */
export const HIGHEST_NON_MATED_LISTED = 10;

export interface IdentificationFigures {
  readonly rank1: Proportion;
  readonly rank5: Proportion;
  /** FNIR (falseNegative) at each FPIR target, in the order of the options. */
  readonly atFpir: readonly TargetOperatingPoint[];
  readonly atMatchThreshold: OperatingPoint;
  readonly atIdentifyThreshold: OperatingPoint;
  /** FPIR against FNIR over every threshold. */
  readonly det: readonly DetPoint[];
  /** Mated probes with a usable face whose mate is not at rank 1. */
  readonly misidentified: readonly ReturnedIdentity[];
  /** The non-mated probes with the highest top scores, highest first. */
  readonly highestNonMated: readonly ReturnedIdentity[];
}

export interface VerificationFigures {
  readonly pairs: number;
  /** TAR = 1 − falseNegative at the FAR target. */
  readonly atFar: TargetOperatingPoint;
  readonly atMatchThreshold: OperatingPoint;
  /** FAR against FRR over every threshold. */
  readonly det: readonly DetPoint[];
}

export interface GateReport {
  readonly enrolment: {
    readonly people: number;
    readonly photos: number;
    /** Enrolment photos without a usable face (failures to enrol). */
    readonly failures: readonly ImageFailure[];
    /** Known people none of whose enrolment photos gave a usable face: their searches all miss. */
    readonly peopleWithoutTemplate: readonly string[];
  };
  /** Photos without a usable face (failures to acquire), counted against the figures. */
  readonly failuresToAcquire: {
    readonly mated: readonly ImageFailure[];
    readonly nonMated: readonly ImageFailure[];
    readonly pairImages: readonly ImageFailure[];
  };
  /** With the service's rule (identityScore, as matchIdentity): a person scores the similarity to their template. */
  readonly identification: IdentificationFigures;
  /** With a person scoring their closest reference instead, for comparison. */
  readonly closestReferenceIdentification: IdentificationFigures;
  readonly verification: VerificationFigures;
}

export interface IdentificationReport {
  /** Distinct images analysed (each once). */
  readonly images: number;
  readonly knownPeople: number;
  readonly unknownPeople: number;
  readonly matedSearches: number;
  readonly nonMatedSearches: number;
  readonly pairImages: number;
  /** The quality gate as the service runs it (options.serviceQuality). */
  readonly serviceGate: GateReport;
  /** The quality gate opened, as `eval lfw` opens it. */
  readonly openGate: GateReport;
}

interface Search {
  readonly image: string;
  /** The enrolled person the photo is of; null for an unknown person. */
  readonly mate: string | null;
}

interface Subjects {
  readonly service: PhotoSubject;
  readonly open: PhotoSubject;
}

const unique = (ids: readonly string[]): string[] => [...new Set(ids)];

/**
 * Closed- and open-set identification (1:N) and verification (1:1) through the
 * production pipeline. Known people are enrolled from their first photos and
 * searched with the rest; unknown people's photos are non-mated searches;
 * the benchmark's pairs give the verification figures.
 *
 * Each image is analysed once, by a pipeline whose quality gate is opened,
 * and reported twice: as analysed, and with the service's gate applied to
 * the same faces — the gate's own function, on the box, landmarks and
 * sharpness AnalyzeFaces measured — which is what the service would have
 * embedded, without analysing everything a second time.
 */
export class EvaluateIdentification {
  constructor(
    /** AnalyzeFaces with the quality gate opened (every detected face embedded). */
    private readonly openGateAnalyze: AnalyzeFaces,
    private readonly dataset: IdentificationDataset & VerificationDataset,
  ) {}

  async execute(options: IdentificationOptions): Promise<IdentificationReport> {
    const known = await this.dataset.knownPeople();
    const unknown = await this.dataset.unknownPeople();
    const pairs = (await this.dataset.folds()).flat();
    const enrolment = known.map((p) => ({ person: p.person, photos: p.photos.slice(0, options.enrolPhotos) }));
    const searches: Search[] = [
      ...known.flatMap((p) => p.photos.slice(options.enrolPhotos).map((image) => ({ image, mate: p.person }))),
      ...unknown.flatMap((p) => p.photos.map((image) => ({ image, mate: null }))),
    ];
    const pairImages = unique(pairs.flatMap((p) => [p.first, p.second]));
    const imageIds = unique([...enrolment.flatMap((p) => p.photos), ...searches.map((s) => s.image), ...pairImages]);

    const passesServiceGate = (face: AnalyzedFace): boolean =>
      assessQuality(face.box, face.landmarks, face.quality.sharpness, options.serviceQuality).passed;
    const subjects = await analyzeInBatches<Subjects>(
      this.openGateAnalyze,
      imageIds,
      (id) => this.dataset.read(id),
      (outcome) => ({ service: photoSubject(outcome, passesServiceGate), open: photoSubject(outcome) }),
      options,
    );

    const gateReport = (gate: keyof Subjects): GateReport => {
      const subjectOf = (image: string): PhotoSubject => (subjects.get(image) as Subjects)[gate];
      const failuresAmong = (images: readonly string[]): ImageFailure[] =>
        images.flatMap((image) => {
          const subject = subjectOf(image);
          return 'rejected' in subject ? [{ image, reason: subject.rejected }] : [];
        });
      const gallery: EnrolledIdentity[] = enrolment.flatMap(({ person, photos }) => {
        const embeddings = photos.map((image) => subjectEmbedding(subjectOf(image))).filter((e): e is Embedding => e !== null);
        return embeddings.length > 0 ? [enrolIdentity(person, person, embeddings)] : [];
      });
      const enrolled = new Set(gallery.map((identity) => identity.id));
      const embeddingOf = (image: string) => subjectEmbedding(subjectOf(image));
      const figures = (score: IdentityScoring): IdentificationFigures =>
        identificationFigures(searches, searches.map((s) => searchGallery(embeddingOf(s.image), gallery, s.mate, score)), options);
      return {
        enrolment: {
          people: enrolment.length,
          photos: enrolment.reduce((n, p) => n + p.photos.length, 0),
          failures: failuresAmong(enrolment.flatMap((p) => p.photos)),
          peopleWithoutTemplate: enrolment.map((p) => p.person).filter((person) => !enrolled.has(person)),
        },
        failuresToAcquire: {
          mated: failuresAmong(searches.filter((s) => s.mate !== null).map((s) => s.image)),
          nonMated: failuresAmong(searches.filter((s) => s.mate === null).map((s) => s.image)),
          pairImages: failuresAmong(pairImages),
        },
        identification: figures(identityScore),
        closestReferenceIdentification: figures(closestReferenceScore),
        verification: verificationFigures(pairTrials(pairs, embeddingOf), pairs.length, options),
      };
    };

    return {
      images: imageIds.length,
      knownPeople: known.length,
      unknownPeople: unknown.length,
      matedSearches: searches.filter((s) => s.mate !== null).length,
      nonMatedSearches: searches.filter((s) => s.mate === null).length,
      pairImages: pairImages.length,
      serviceGate: gateReport('service'),
      openGate: gateReport('open'),
    };
  }
}

function identificationFigures(searches: readonly Search[], outcomes: readonly SearchOutcome[], options: IdentificationOptions): IdentificationFigures {
  const trials = openSetTrials(outcomes);
  const returned = (i: number): ReturnedIdentity => {
    const outcome = outcomes[i] as SearchOutcome;
    return {
      image: (searches[i] as Search).image,
      returned: outcome.topIdentityId as string,
      score: outcome.topScore as number,
      ...(outcome.mateScore !== null ? { mateScore: outcome.mateScore } : {}),
    };
  };
  const indices = outcomes.map((_, i) => i);
  return {
    rank1: rankIdentificationRate(outcomes, 1),
    rank5: rankIdentificationRate(outcomes, 5),
    atFpir: options.fpirTargets.map((target) => operatingPointAtFalsePositiveRate(trials, target)),
    atMatchThreshold: errorRatesAt(trials, options.matchThreshold),
    atIdentifyThreshold: errorRatesAt(trials, options.identifyThreshold),
    det: detCurve(trials),
    misidentified: indices.filter((i) => outcomes[i]?.mateRank !== null && outcomes[i]?.mateRank !== 1).map(returned),
    highestNonMated: indices
      .filter((i) => !outcomes[i]?.mated && outcomes[i]?.topScore !== null)
      .sort((a, b) => (outcomes[b]?.topScore as number) - (outcomes[a]?.topScore as number))
      .slice(0, HIGHEST_NON_MATED_LISTED)
      .map(returned),
  };
}

/** A pair with a photo without a usable face cannot be compared: its score is null, a rejection. */
function pairTrials(pairs: readonly ImagePair[], embeddingOf: (image: string) => Embedding | null): TrialScores {
  const score = (pair: ImagePair): Score => {
    const a = embeddingOf(pair.first);
    const b = embeddingOf(pair.second);
    return a && b ? cosineSimilarity(a, b) : null;
  };
  return { genuine: pairs.filter((p) => p.same).map(score), impostor: pairs.filter((p) => !p.same).map(score) };
}

function verificationFigures(trials: TrialScores, pairs: number, options: IdentificationOptions): VerificationFigures {
  return {
    pairs,
    atFar: operatingPointAtFalsePositiveRate(trials, options.farTarget),
    atMatchThreshold: errorRatesAt(trials, options.matchThreshold),
    det: detCurve(trials),
  };
}
