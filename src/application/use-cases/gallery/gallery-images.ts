import type { Embedding } from '../../../domain/embedding';
import { enrolmentScore } from '../../../domain/enrolment';
import { FaceNotDetected, type FaceRecognitionError } from '../../../domain/errors';
import type { AnalyzedFace } from '../../../domain/face';
import type { PersonEmbedding } from '../../../domain/person';
import type { QualityPolicy } from '../../../domain/quality';
import { MultipleFaces, PoorQuality } from '../../gallery-errors';
import { failure, success, type Outcome } from '../../outcome';
import type { PipelineInstrumentation } from '../../ports/pipeline-instrumentation';
import type { AdmissionGate } from '../../services/admission-gate';
import type { AnalyzeFaces, ImageAnalysis } from '../analyze-faces';

/** How a caller's request shares the inference workers. */
export interface ImageWorkCall {
  /** Aborts the wait for an inference slot (the caller gave up). */
  readonly signal?: AbortSignal;
  /** Observes the stages instead of the pipeline's default (e.g. a request's spans). */
  readonly instrumentation?: PipelineInstrumentation;
}

/** An enrolment photo the gallery refused, and why. */
export interface ImageRejection {
  /** Position of the image in the request. */
  readonly index: number;
  /** The error code: face_not_detected, poor_quality, multiple_faces, image_decode_error, invalid_image … */
  readonly code: string;
  /** The quality verdict for poor_quality, otherwise what went wrong. */
  readonly reason: string;
  readonly error: FaceRecognitionError;
}

/** A face accepted for enrolment. */
export interface EnrolmentFace extends PersonEmbedding {
  /** Position of its image in the request. */
  readonly index: number;
  /** How far it clears the quality gate (domain/enrolment.ts): enrolment sessions keep the best. */
  readonly score: number;
}

export interface EnrolmentImages {
  readonly accepted: readonly EnrolmentFace[];
  readonly rejected: readonly ImageRejection[];
}

/**
 * The one enrolment rule: an enrolment photo must hold exactly one face that
 * passes the quality gate. No face: FaceNotDetected. Faces, none passing:
 * PoorQuality with the verdict of the largest face. More than one passing:
 * MultipleFaces (which one is the person would be a guess).
 */
export function enrolmentFaceOf(outcome: Outcome<ImageAnalysis>, index: number): Outcome<AnalyzedFace & { readonly embedding: Embedding }> {
  if (!outcome.ok) return outcome;
  const { faces } = outcome.value;
  if (faces.length === 0) return failure(new FaceNotDetected('no face was found in the image', { index }));
  const passing = faces.filter((face): face is AnalyzedFace & { embedding: Embedding } => face.quality.passed && face.embedding !== undefined);
  if (passing.length === 0) {
    const largest = faces.reduce((a, b) => (b.quality.faceSize > a.quality.faceSize ? b : a));
    return failure(new PoorQuality(largest.quality.reason, { index, faces: faces.length }));
  }
  if (passing.length > 1) return failure(new MultipleFaces(passing.length, { index }));
  return success(passing[0] as AnalyzedFace & { embedding: Embedding });
}

export function rejectionOf(error: FaceRecognitionError, index: number): ImageRejection {
  const reason = typeof error.context.reason === 'string' ? error.context.reason : error.message;
  return { index, code: error.code, reason, error };
}

/**
 * Image work of the gallery (enrolment, verification) on the stream's own
 * AnalyzeFaces, hence the same inference workers, admitted by the gate that
 * bounds on-demand work beside the stream. One request's images are one
 * batch.
 */
export class GalleryImages {
  constructor(
    private readonly analyze: AnalyzeFaces,
    private readonly gate: AdmissionGate,
    private readonly quality: QualityPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Every image analysed with embeddings; throws Overloaded when no slot is free. */
  async analyzeAll(images: readonly Uint8Array[], call: ImageWorkCall = {}): Promise<Outcome<ImageAnalysis>[]> {
    if (images.length === 0) return [];
    return this.gate.run(() => this.analyze.execute(images, call.instrumentation), call.signal);
  }

  /** The enrolment face of every image, or why the image gives none. */
  async enrolmentFaces(images: readonly Uint8Array[], call: ImageWorkCall = {}): Promise<EnrolmentImages> {
    const outcomes = await this.analyzeAll(images, call);
    const createdAt = this.now().toISOString();
    const accepted: EnrolmentFace[] = [];
    const rejected: ImageRejection[] = [];
    outcomes.forEach((outcome, index) => {
      const face = enrolmentFaceOf(outcome, index);
      if (!face.ok) {
        rejected.push(rejectionOf(face.error, index));
        return;
      }
      const quality = { faceSize: face.value.quality.faceSize, sharpness: face.value.quality.sharpness, yaw: face.value.quality.pose.yaw };
      accepted.push({ index, vector: face.value.embedding, quality, createdAt, score: enrolmentScore(quality, this.quality) });
    });
    return { accepted, rejected };
  }
}

/** Enrolment images of which none was accepted fail as their first image did (the caller learns why with the right status). */
export function requireSomeAccepted(result: EnrolmentImages): void {
  if (result.accepted.length > 0) return;
  const first = result.rejected[0];
  if (first !== undefined) throw first.error;
}

/** The stored form of an accepted face: no index, no score. */
export const storedEmbedding = (face: EnrolmentFace): PersonEmbedding => ({ vector: face.vector, quality: face.quality, createdAt: face.createdAt });
