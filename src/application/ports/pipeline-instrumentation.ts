export type PipelineStage = 'fetch' | 'decode' | 'detect' | 'landmarks' | 'align' | 'embed' | 'match' | 'publish';

/**
 * Observes the stages of the pipeline (timings, traces). Implementations must
 * be cheap: they sit on the hot path of every batch.
 */
export interface PipelineInstrumentation {
  measure<T>(stage: PipelineStage, batchSize: number, work: () => Promise<T> | T): Promise<T>;
}

export const noInstrumentation: PipelineInstrumentation = {
  measure: async (_stage, _batchSize, work) => work(),
};
