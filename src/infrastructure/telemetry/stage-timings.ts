import { performance } from 'node:perf_hooks';
import type { PipelineInstrumentation, PipelineStage } from '../../application/ports/pipeline-instrumentation';
import type { ModelRunObserver } from '../onnx/onnx-session';

/**
 * Records raw durations of every pipeline stage and every session.run, for
 * benchmarks that must report percentiles and the pipeline's own overhead.
 */
export class StageTimings implements PipelineInstrumentation, ModelRunObserver {
  readonly stages = new Map<PipelineStage, number[]>();
  readonly modelRuns = new Map<string, number[]>();

  async measure<T>(stage: PipelineStage, _batchSize: number, work: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      const list = this.stages.get(stage) ?? [];
      list.push((performance.now() - started) / 1000);
      this.stages.set(stage, list);
    }
  }

  onRun(model: string, _batchSize: number, seconds: number): void {
    const list = this.modelRuns.get(model) ?? [];
    list.push(seconds);
    this.modelRuns.set(model, list);
  }

  reset(): void {
    this.stages.clear();
    this.modelRuns.clear();
  }
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  return (sorted[lower] as number) + ((sorted[upper] as number) - (sorted[lower] as number)) * (rank - lower);
}

export const sum = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0);
