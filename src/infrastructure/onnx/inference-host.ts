import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { TensorLayout, TensorSource } from '../imaging/tensor-from-images';
import type { LoadedSession, RawImage, RunOutput, SessionSettings, WarpItem, WorkerRequest, WorkerResponse } from './inference-protocol';

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

/** One model call: the images it shows and the input they are scaled and normalised to. */
export interface ModelCall {
  readonly sources: readonly TensorSource[];
  readonly layout: TensorLayout;
}

export interface RunResult {
  readonly outputs: Readonly<Record<string, RunOutput>>;
  readonly seconds: number;
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

  request(message: Request): Promise<WorkerResponse> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId;
    this.nextId += 1;
    return new Promise<WorkerResponse>((resolvePromise, reject) => {
      this.pending.set(id, {
        resolve: (response) => (response.ok ? resolvePromise(response) : reject(new Error(response.error))),
        reject,
      });
      this.worker.postMessage({ ...message, id } as WorkerRequest);
    });
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('inference worker terminated');
    await this.worker.terminate();
  }
}

/**
 * The event loop's handle on a pool of inference worker threads, each holding
 * every session and doing the pixel work that feeds them (resize, crops,
 * alignment warps, packing). A request goes to the worker with the fewest
 * outstanding requests, so two batches in flight run side by side, and a
 * batch is split over idle workers. On CPU one single-threaded worker per
 * core puts the JavaScript pixel work on every core too, which intra-op
 * threads inside one worker could not (adr/0001).
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
   * Runs several model calls over `count` items (e.g. detector views of
   * several input sizes): when several workers are idle the items are split
   * into consecutive parts, and `build` turns each part into its model calls,
   * which one worker runs in order. So every worker gets its share of every
   * input size, where calls spread one by one left the later calls to
   * whichever worker the first call had not made busy. Returns every call
   * with its outputs, and the wall time inside session.run: the sum over one
   * part's calls, the slowest part when they ran side by side.
   */
  async runCalls<C extends ModelCall>(model: string, count: number, build: (first: number, count: number) => C[]): Promise<{ calls: Array<C & RunResult>; seconds: number }> {
    const parts = await this.spread(count, async (worker, first, size) => {
      const calls = build(first, size);
      const response = (await worker.request({ kind: 'run-calls', model, calls: calls.map(({ sources, layout }) => ({ sources, layout })) })) as Extract<WorkerResponse, { calls: unknown }>;
      return calls.map((call, i) => ({ ...call, ...(response.calls[i] as RunResult) }));
    });
    return { calls: parts.flat(), seconds: Math.max(0, ...parts.map((part) => part.reduce((sum, call) => sum + call.seconds, 0))) };
  }

  /** Cuts `width` × `height` crops in the workers, split over idle ones; the crops come back in shared memory. */
  async warp(items: readonly WarpItem[], width: number, height: number): Promise<RawImage[]> {
    const parts = await this.spread(items.length, async (worker, first, count) =>
      ((await worker.request({ kind: 'warp', items: items.slice(first, first + count), width, height })) as Extract<WorkerResponse, { crops: unknown }>).crops,
    );
    return parts.flat();
  }

  /**
   * Sends `count` items to one worker, or, when several workers are idle,
   * splits them into consecutive parts that run side by side. Parts come
   * back in item order.
   */
  private async spread<T>(count: number, send: (worker: InferenceWorker, first: number, count: number) => Promise<T>): Promise<T[]> {
    const live = this.workers.filter((w) => !w.failed);
    const idle = live.filter((w) => w.queued === 0);
    const parts = Math.min(count, idle.length);
    if (parts <= 1) {
      const worker = live.reduce((best, w) => (w.queued < best.queued ? w : best), live[0] ?? (this.workers[0] as InferenceWorker));
      return [await send(worker, 0, count)];
    }
    let first = 0;
    return Promise.all(
      idle.slice(0, parts).map((worker, i) => {
        const size = Math.floor(count / parts) + (i < count % parts ? 1 : 0);
        const part = send(worker, first, size);
        first += size;
        return part;
      }),
    );
  }

  async release(model: string): Promise<void> {
    await Promise.all(this.workers.filter((w) => !w.failed).map((w) => w.request({ kind: 'release', model })));
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
