import type { Embedding } from '../../domain/embedding';
import { enrolIdentity, type EnrolledIdentity } from '../../domain/identity';
import type { AnalyzeFaces } from './analyze-faces';
import { photoSubject } from './photo-subject';

export interface EnrollmentRequest {
  readonly id: string;
  readonly name: string;
  /** Photos of this person: the most central face of each is enrolled. */
  readonly photos: readonly Uint8Array[];
}

export interface EnrollmentReport {
  readonly identities: readonly EnrolledIdentity[];
  /** Photos that gave no usable face (no face, failed quality gate, undecodable). */
  readonly rejected: ReadonlyArray<{ readonly id: string; readonly photo: number; readonly reason: string }>;
}

/** Turns photos of known people into gallery identities, through the same pipeline as live frames. */
export class EnrollIdentities {
  constructor(private readonly analyze: AnalyzeFaces) {}

  async execute(requests: readonly EnrollmentRequest[]): Promise<EnrollmentReport> {
    const identities: EnrolledIdentity[] = [];
    const rejected: Array<{ id: string; photo: number; reason: string }> = [];
    for (const request of requests) {
      const outcomes = await this.analyze.execute(request.photos);
      const embeddings: Embedding[] = [];
      outcomes.forEach((outcome, photo) => {
        const subject = photoSubject(outcome);
        if ('embedding' in subject) embeddings.push(subject.embedding);
        else rejected.push({ id: request.id, photo, reason: subject.rejected });
      });
      if (embeddings.length > 0) identities.push(enrolIdentity(request.id, request.name, embeddings));
    }
    return { identities, rejected };
  }
}
