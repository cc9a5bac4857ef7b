import type { Outcome } from '../outcome';
import { mostCentralFace } from '../../domain/detection';
import type { Embedding } from '../../domain/embedding';
import type { AnalyzedFace } from '../../domain/face';
import type { ImageAnalysis } from './analyze-faces';

/** The person a photo is of, or why the photo gives none. */
export type PhotoSubject =
  | { readonly embedding: Embedding }
  /** `face_not_detected`, `quality_gate`, or the code of the error that stopped the analysis (e.g. `image_decode_error`). */
  | { readonly rejected: string };

/**
 * The subject of a photo of one person — a gallery photo, an LFW photo — is
 * its most central face among those with an embedding (faces that passed the
 * quality gate). Enrolment and the evaluations use this one rule. `usable`
 * narrows the faces further: the identification evaluation applies the
 * service's quality gate with it to a run made with the gate opened.
 */
export function photoSubject(outcome: Outcome<ImageAnalysis>, usable: (face: AnalyzedFace) => boolean = () => true): PhotoSubject {
  if (!outcome.ok) return { rejected: outcome.error.code };
  const { faces, width, height } = outcome.value;
  const subject = mostCentralFace(
    faces.filter((f) => f.embedding !== undefined && usable(f)),
    width,
    height,
  );
  if (subject?.embedding) return { embedding: subject.embedding };
  return { rejected: faces.length === 0 ? 'face_not_detected' : 'quality_gate' };
}

export const subjectEmbedding = (subject: PhotoSubject): Embedding | null => ('embedding' in subject ? subject.embedding : null);
