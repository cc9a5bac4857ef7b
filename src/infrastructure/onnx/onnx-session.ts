import { inChunksOf } from '../../domain/detector-views';
import type { InferenceHost, ModelCall, RunResult } from './inference-host';
import type { TensorLayout, TensorSource } from '../imaging/tensor-from-images';
import type { GraphOptimizationLevel, LevelTiming, LoadedSession, RunOutput } from './inference-protocol';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface InferenceSettings {
  readonly executionProvider: ExecutionProvider;
  /** Threads inside one operator (0 = ONNX Runtime's default: one per core). */
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  /** A fixed ONNX Runtime graph optimisation level, or `auto` (timed per model at load). */
  readonly graphOptimization: GraphOptimizationLevel | 'auto';
}

export interface Logger {
  warn(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
}

/** Receives the wall time of every session.run, so benchmarks can separate model time from pipeline overhead. */
export interface ModelRunObserver {
  onRun(model: string, batchSize: number, seconds: number): void;
}

let cudaFallbackWarned = false;

/**
 * One ONNX model ready to run, its session living in the inference worker.
 * Creation picks the execution provider: `cuda` falls back to CPU with a
 * single warning when the CUDA provider is not in this build of
 * onnxruntime-node or no GPU answers.
 */
export class OnnxModel {
  private constructor(
    readonly name: string,
    private readonly host: InferenceHost,
    private readonly session: LoadedSession,
    private readonly observers: ModelRunObserver[],
  ) {}

  /** `probeDims`: the shape of a one-item input, on which `auto` times the optimisation levels. */
  static async load(
    name: string,
    path: string,
    settings: InferenceSettings,
    logger: Logger,
    host: InferenceHost,
    probeDims: readonly number[],
  ): Promise<OnnxModel> {
    const session = await host.load(name, path, settings, probeDims);
    if (session.fallbackReason !== null && !cudaFallbackWarned) {
      cudaFallbackWarned = true;
      logger.warn('CUDA execution provider unavailable; running on CPU', { reason: session.fallbackReason });
    }
    return new OnnxModel(name, host, session, []);
  }

  get provider(): ExecutionProvider {
    return this.session.provider;
  }

  get loadSeconds(): number {
    return this.session.loadSeconds;
  }

  /** The graph optimisation level the sessions run with (chosen at load when the setting was `auto`). */
  get graphOptimization(): GraphOptimizationLevel {
    return this.session.graphOptimization;
  }

  get levelTimings(): readonly LevelTiming[] {
    return this.session.levelTimings;
  }

  get outputNames(): readonly string[] {
    return this.session.outputs.map((o) => o.name);
  }

  observe(observer: ModelRunObserver): void {
    this.observers.push(observer);
  }

  /** Shape of an input as declared by the file (symbolic dims are strings). */
  inputShape(index = 0): ReadonlyArray<number | string> {
    return this.session.inputs[index]?.shape ?? [];
  }

  outputShape(index = 0): ReadonlyArray<number | string> {
    return this.session.outputs[index]?.shape ?? [];
  }

  /**
   * Several calls of the model over `count` items, split over idle workers
   * by consecutive items; `build` makes one part's calls (InferenceHost.runCalls).
   */
  async runCalls<C extends ModelCall>(count: number, build: (first: number, count: number) => C[]): Promise<Array<C & RunResult>> {
    const { calls, seconds } = await this.host.runCalls(this.name, count, build);
    for (const observer of this.observers) observer.onRun(this.name, count, seconds);
    return calls;
  }

  /**
   * The model's first output for each source, in the sources' order: the
   * sources are split over the idle workers (runCalls), and each worker runs
   * its share in calls of at most `maxPerCall` items, one after another, which
   * bounds what ONNX Runtime's arena keeps after a crowded batch (adr/0010).
   */
  async runPerItem(sources: readonly TensorSource[], layout: TensorLayout, maxPerCall: number): Promise<Float32Array[]> {
    if (sources.length === 0) return [];
    const calls = await this.runCalls(sources.length, (first, count) =>
      inChunksOf(sources.slice(first, first + count), maxPerCall).map((chunk) => ({ sources: chunk, layout })),
    );
    // Calls come back in the order of their items.
    return calls.flatMap(({ sources: chunk, outputs }) => {
      const values = tensorData(outputs, this.outputNames[0]);
      const size = values.length / chunk.length;
      return chunk.map((_, index) => values.subarray(index * size, (index + 1) * size));
    });
  }

  async release(): Promise<void> {
    await this.host.release(this.name);
  }
}

export const tensorData = (outputs: Readonly<Record<string, RunOutput>>, name: string | undefined): Float32Array => {
  const value = name === undefined ? undefined : outputs[name];
  if (!value) throw new Error(`model output ${name ?? '(none)'} is missing`);
  return value.data;
};
