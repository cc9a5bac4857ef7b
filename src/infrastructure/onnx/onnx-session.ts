import * as ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface InferenceSettings {
  readonly executionProvider: ExecutionProvider;
  /** Threads inside one operator (0 = ONNX Runtime's default: one per core). */
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
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
 * One ONNX model ready to run. Creation picks the execution provider: `cuda`
 * falls back to CPU with a single warning when the CUDA provider is not in
 * this build of onnxruntime-node or no GPU answers.
 */
export class OnnxModel {
  private constructor(
    readonly name: string,
    readonly session: ort.InferenceSession,
    readonly provider: ExecutionProvider,
    readonly loadSeconds: number,
    private readonly observers: ModelRunObserver[],
  ) {}

  static async load(name: string, path: string, settings: InferenceSettings, logger: Logger): Promise<OnnxModel> {
    const started = performance.now();
    const options = (providers: ort.InferenceSession.ExecutionProviderConfig[]): ort.InferenceSession.SessionOptions => ({
      executionProviders: providers,
      graphOptimizationLevel: 'all',
      intraOpNumThreads: settings.intraOpThreads,
      interOpNumThreads: settings.interOpThreads,
    });
    let provider = settings.executionProvider;
    let session: ort.InferenceSession;
    if (provider === 'cuda') {
      try {
        session = await ort.InferenceSession.create(path, options(['cuda']));
      } catch (error) {
        if (!cudaFallbackWarned) {
          cudaFallbackWarned = true;
          logger.warn('CUDA execution provider unavailable; running on CPU', {
            reason: error instanceof Error ? error.message.split('\n')[0] : String(error),
          });
        }
        provider = 'cpu';
        session = await ort.InferenceSession.create(path, options(['cpu']));
      }
    } else {
      session = await ort.InferenceSession.create(path, options(['cpu']));
    }
    return new OnnxModel(name, session, provider, (performance.now() - started) / 1000, []);
  }

  observe(observer: ModelRunObserver): void {
    this.observers.push(observer);
  }

  /** Shape of an input as declared by the file (symbolic dims are strings). */
  inputShape(index = 0): ReadonlyArray<number | string> {
    const metadata = this.session.inputMetadata[index];
    return metadata && metadata.isTensor ? metadata.shape : [];
  }

  outputShape(index = 0): ReadonlyArray<number | string> {
    const metadata = this.session.outputMetadata[index];
    return metadata && metadata.isTensor ? metadata.shape : [];
  }

  async run(input: Float32Array, dims: readonly number[]): Promise<ort.InferenceSession.OnnxValueMapType> {
    const feeds = { [this.session.inputNames[0] as string]: new ort.Tensor('float32', input, dims) };
    const started = performance.now();
    const outputs = await this.session.run(feeds);
    const seconds = (performance.now() - started) / 1000;
    for (const observer of this.observers) observer.onRun(this.name, dims[0] as number, seconds);
    return outputs;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export const tensorData = (outputs: ort.InferenceSession.OnnxValueMapType, name: string): Float32Array => {
  const value = outputs[name];
  if (!value || !(value.data instanceof Float32Array)) throw new Error(`model output ${name} is missing or not float32`);
  return value.data;
};
