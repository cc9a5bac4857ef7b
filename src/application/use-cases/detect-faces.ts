import type { PipelineInstrumentation } from '../ports/pipeline-instrumentation';
import type { AdmissionGate } from '../services/admission-gate';
import type { AnalyzeFaces, ImageAnalysis } from './analyze-faces';

export interface DetectFacesCall {
  /** Aborts the wait for an inference slot (the caller gave up, e.g. a request timeout). */
  readonly signal?: AbortSignal;
  /** Observes this call's stages instead of the pipeline's default (e.g. a request's own spans). */
  readonly instrumentation?: PipelineInstrumentation;
}

/**
 * Faces of one image sent on demand (the API's detect route): box, score,
 * landmarks and quality, through the stream's own AnalyzeFaces (the same
 * inference workers), admitted by the gate that keeps on-demand work from
 * starving the stream. Stops after the quality gate: no embedding is made.
 */
export class DetectFaces {
  constructor(
    private readonly analyze: AnalyzeFaces,
    private readonly gate: AdmissionGate,
  ) {}

  /** Throws the image's typed error (ImageDecodeError, InvalidImageError, ImageTooLargeError) or Overloaded. */
  async execute(image: Uint8Array, call: DetectFacesCall = {}): Promise<ImageAnalysis> {
    const [outcome] = await this.gate.run(() => this.analyze.execute([image], call.instrumentation, { embed: false }), call.signal);
    if (outcome === undefined) throw new Error('AnalyzeFaces returned no outcome for one image');
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
}
