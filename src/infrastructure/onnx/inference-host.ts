import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { ImagePreprocessing, LoadedSession, RawImage, RunOutput, SessionSettings, WorkerRequest, WorkerResponse } from './inference-protocol';

type Pending = { resolve: (response: WorkerResponse) => void; reject: (error: Error) => void };
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * Locates the compiled worker script. Running from TypeScript sources (the
 * test runner) there is no .js beside this file: the build's copy is used.
 */
function workerScript(): string {
  const beside = join(__dirname, 'inference-worker.js');
  if (existsSync(beside)) return beside;
  const built = resolve(__dirname, '..', '..', '..', 'dist', 'infrastructure', 'onnx', 'inference-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`inference worker not found at ${beside} or ${built}: run 'npm run build'`);
}

export interface RunResult {
  readonly outputs: Readonly<Record<string, RunOutput>>;
  readonly seconds: number;
}

type RunRequest = Extract<Request, { kind: 'run' | 'run-images' }>;

async function runOn(worker: InferenceWorker, message: RunRequest): Promise<RunResult> {
  const transfer = message.kind === 'run' ? [message.input.buffer as ArrayBuffer] : [];
  return (await worker.request(message, transfer)) as unknown as RunResult;
}

/** One inference worker thread and the requests it has not answered yet. */
class InferenceWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;

  constructor(script: string) {
    this.worker = new Worker(script);
    this.worker.on('message', (response: WorkerResponse) => {
      const pending = this.pending.get(response.id);
      this.pending.delete(response.id);
      pending?.resolve(response);
    });
    const failAll = (error: Error): void => {
      this.failure ??= error;
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`inference worker exited with code ${code}`)));
  }

  get queued(): number {
    return this.pending.size;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  request(message: Request, transfer: ArrayBuffer[] = []): Promise<WorkerResponse> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId;
    this.nextId += 1;
    return new Promise<WorkerResponse>((resolvePromise, reject) => {
      this.pending.set(id, {
        resolve: (response) => (response.ok ? resolvePromise(response) : reject(new Error(response.error))),
        reject,
      });
      this.worker.postMessage({ ...message, id } as WorkerRequest, transfer);
    });
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('inference worker terminated');
    await this.worker.terminate();
  }
}

/**
 * The event loop's handle on a pool of inference worker threads, each holding
 * every session. A request goes to the worker with the fewest outstanding
 * requests, so two batches in flight run side by side. On CPU a pool of
 * single-threaded workers beats one worker with intra-op threads: these
 * small convolutions parallelise poorly inside one operator (adr/0001).
 */
export class InferenceHost {
  private readonly workers: InferenceWorker[];

  constructor(size = 1) {
    const script = workerScript();
    this.workers = Array.from({ length: Math.max(1, size) }, () => new InferenceWorker(script));
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Loads the model on every worker. With `auto`, the first worker times the
   * candidate levels and the others load the level it chose, so every worker
   * runs the same graph. `loadSeconds` is the wall time until all are ready.
   */
  async load(model: string, path: string, settings: SessionSettings, probeDims: readonly number[]): Promise<LoadedSession> {
    const started = performance.now();
    const [first, ...rest] = this.workers as [InferenceWorker, ...InferenceWorker[]];
    const loadOn = async (worker: InferenceWorker, workerSettings: SessionSettings): Promise<LoadedSession> =>
      ((await worker.request({ kind: 'load', model, path, settings: workerSettings, probeDims })) as { loaded: LoadedSession }).loaded;
    const chosen = await loadOn(first, settings);
    await Promise.all(rest.map((worker) => loadOn(worker, { ...settings, graphOptimization: chosen.graphOptimization })));
    return { ...chosen, loadSeconds: (performance.now() - started) / 1000 };
  }

  /**
   * Runs one batch. When several workers are idle the batch is split along
   * its first dimension and the parts run side by side (every model here is
   * batch-major in and out). `seconds` is the wall time spent in session.run.
   * `input`'s buffer is transferred to a worker: do not reuse it.
   */
  async run(model: string, input: Float32Array, dims: readonly number[]): Promise<RunResult> {
    const batch = dims[0] ?? 1;
    const itemSize = input.length / batch;
    return this.spread(batch, (worker, first, count) =>
      runOn(worker, { kind: 'run', model, input: count === batch ? input : input.slice(first * itemSize, (first + count) * itemSize), dims: [count, ...dims.slice(1)] }),
    );
  }

  /**
   * Like run, but the workers build the input tensor from whole images
   * (resize + normalise), so that work runs in parallel off the event loop.
   * The images are copied to the workers, not transferred: the caller keeps them.
   */
  async runImages(model: string, images: readonly RawImage[], prep: ImagePreprocessing): Promise<RunResult> {
    return this.spread(images.length, (worker, first, count) =>
      runOn(worker, { kind: 'run-images', model, images: images.slice(first, first + count), prep }),
    );
  }

  /**
   * Sends a batch to one worker, or, when several workers are idle, splits it
   * along its first dimension and runs the parts side by side (every model
   * here is batch-major in and out). `seconds` is the wall time in session.run.
   */
  private async spread(batch: number, send: (worker: InferenceWorker, first: number, count: number) => Promise<RunResult>): Promise<RunResult> {
    const live = this.workers.filter((w) => !w.failed);
    const idle = live.filter((w) => w.queued === 0);
    const parts = Math.min(batch, idle.length);
    if (parts <= 1) {
      const worker = live.reduce((best, w) => (w.queued < best.queued ? w : best), live[0] ?? (this.workers[0] as InferenceWorker));
      return send(worker, 0, batch);
    }
    let first = 0;
    const results = await Promise.all(
      idle.slice(0, parts).map((worker, i) => {
        const count = Math.floor(batch / parts) + (i < batch % parts ? 1 : 0);
        const part = send(worker, first, count);
        first += count;
        return part;
      }),
    );
    const outputs: Record<string, RunOutput> = {};
    for (const name of Object.keys(results[0]?.outputs ?? {})) {
      const pieces = results.map((r) => r.outputs[name] as RunOutput);
      const data = new Float32Array(pieces.reduce((n, p) => n + p.data.length, 0));
      let offset = 0;
      for (const piece of pieces) {
        data.set(piece.data, offset);
        offset += piece.data.length;
      }
      const firstPiece = pieces[0] as RunOutput;
      outputs[name] = { data, dims: [pieces.reduce((n, p) => n + (p.dims[0] ?? 0), 0), ...firstPiece.dims.slice(1)] };
    }
    return { outputs, seconds: Math.max(...results.map((r) => r.seconds)) };
  }

  async release(model: string): Promise<void> {
    await Promise.all(this.workers.filter((w) => !w.failed).map((w) => w.request({ kind: 'release', model })));
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
