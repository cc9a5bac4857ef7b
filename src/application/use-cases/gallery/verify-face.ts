import { mostCentralFace } from '../../../domain/detection';
import { fuseEmbeddings, type Embedding } from '../../../domain/embedding';
import { FaceNotDetected } from '../../../domain/errors';
import type { AnalyzedFace } from '../../../domain/face';
import { decideIdentity, verify } from '../../../domain/identity';
import { PersonNotFound, PoorQuality } from '../../gallery-errors';
import type { IdentityCandidate, IdentityIndex } from '../../ports/identity-index';
import type { PersonRepository } from '../../ports/person-repository';
import type { GalleryImages, ImageWorkCall } from './gallery-images';

export interface VerifyFaceOptions {
  /** 1:1 — similarity at or above which the face is the claimed person (MATCH_THRESHOLD). */
  readonly verificationThreshold: number;
  /** 1:N — similarity at or above which the best candidate is taken as the face's identity. */
  readonly identificationThreshold: number;
}

export interface OneToOneResult {
  readonly match: boolean;
  readonly similarity: number;
  readonly threshold: number;
}

export type FaceIdentity =
  | { readonly status: 'known'; readonly personId: string; readonly similarity: number }
  /** `similarity` is the best candidate's, null when the face was not searched (it failed the quality gate) or the gallery is empty. */
  | { readonly status: 'unknown'; readonly similarity: number | null };

export interface IdentifiedFace {
  readonly face: AnalyzedFace;
  readonly candidates: readonly IdentityCandidate[];
  readonly identity: FaceIdentity;
}

export interface OneToManyResult {
  readonly width: number;
  readonly height: number;
  readonly faces: readonly IdentifiedFace[];
}

/**
 * Verification (1:1: is this face the person?) and identification (1:N: who
 * is each face?). 1:1 scores the probe against the person's template from
 * the store of record (the domain's identityScore rule, adr/0005), so it
 * sees a person this replica's index has not caught up with yet; 1:N
 * searches the in-memory index. The 1:1 probe is the most central face that
 * passes the quality gate (a photo for a check-in may show people behind).
 */
export class VerifyFace {
  constructor(
    private readonly repository: PersonRepository,
    private readonly index: IdentityIndex,
    private readonly images: GalleryImages,
    private readonly options: VerifyFaceOptions,
  ) {}

  get thresholds(): VerifyFaceOptions {
    return this.options;
  }

  async oneToOne(image: Uint8Array, personId: string, call: ImageWorkCall = {}): Promise<OneToOneResult> {
    const person = await this.repository.get(personId);
    if (person === null || person.embeddings.length === 0) throw new PersonNotFound(personId);
    const probe = await this.probeOf(image, call);
    const template = fuseEmbeddings(person.embeddings.map((e) => e.vector));
    const result = verify(probe, template, this.options.verificationThreshold);
    return { match: result.same, similarity: result.similarity, threshold: result.threshold };
  }

  async oneToMany(image: Uint8Array, topK: number, call: ImageWorkCall = {}): Promise<OneToManyResult> {
    const [outcome] = await this.images.analyzeAll([image], call);
    if (outcome === undefined) throw new Error('AnalyzeFaces returned no outcome for one image');
    if (!outcome.ok) throw outcome.error;
    const { faces, width, height } = outcome.value;
    const searched = faces.flatMap((face, i) => (face.embedding !== undefined ? [{ i, embedding: face.embedding }] : []));
    const results = this.index.searchMany(
      searched.map((s) => s.embedding),
      topK,
    );
    const candidatesOf = new Map(searched.map((s, k) => [s.i, results[k] ?? []]));
    return {
      width,
      height,
      faces: faces.map((face, i) => {
        const candidates = candidatesOf.get(i) ?? [];
        return { face, candidates, identity: this.identityOf(candidates) };
      }),
    };
  }

  /** The stream's open-set decision (domain decideIdentity), at the identification threshold. */
  private identityOf(candidates: readonly IdentityCandidate[]): FaceIdentity {
    const decision = decideIdentity(candidates, this.options.identificationThreshold);
    return decision.status === 'known'
      ? { status: 'known', personId: decision.identityId, similarity: decision.similarity }
      : { status: 'unknown', similarity: decision.bestSimilarity };
  }

  /** The embedding of the face the 1:1 check is about. */
  private async probeOf(image: Uint8Array, call: ImageWorkCall): Promise<Embedding> {
    const [outcome] = await this.images.analyzeAll([image], call);
    if (outcome === undefined) throw new Error('AnalyzeFaces returned no outcome for one image');
    if (!outcome.ok) throw outcome.error;
    const { faces, width, height } = outcome.value;
    if (faces.length === 0) throw new FaceNotDetected('no face was found in the image');
    const subject = mostCentralFace(
      faces.filter((face) => face.embedding !== undefined),
      width,
      height,
    );
    if (subject?.embedding === undefined) {
      const largest = faces.reduce((a, b) => (b.quality.faceSize > a.quality.faceSize ? b : a));
      throw new PoorQuality(largest.quality.reason, { faces: faces.length });
    }
    return subject.embedding;
  }
}
