import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LoadedSession, RunOutput, SessionSettings, WorkerRequest, WorkerResponse } from './inference-protocol';

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

/** The event loop's handle on the inference worker thread. */
export class InferenceHost {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;

  constructor() {
    this.worker = new Worker(workerScript());
    this.worker.on('message', (response: WorkerResponse) => {
      const pending = this.pending.get(response.id);
      this.pending.delete(response.id);
      pending?.resolve(response);
    });
    const failAll = (error: Error): void => {
      this.failure = error;
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`inference worker exited with code ${code}`)));
  }

  async load(model: string, path: string, settings: SessionSettings): Promise<LoadedSession> {
    const response = await this.request({ kind: 'load', model, path, settings });
    return (response as { loaded: LoadedSession }).loaded;
  }

  /** Runs one batch; `input`'s buffer is transferred to the worker (do not reuse it). */
  async run(model: string, input: Float32Array, dims: readonly number[]): Promise<{ outputs: Readonly<Record<string, RunOutput>>; seconds: number }> {
    const response = await this.request({ kind: 'run', model, input, dims }, [input.buffer as ArrayBuffer]);
    return response as unknown as { outputs: Readonly<Record<string, RunOutput>>; seconds: number };
  }

  async release(model: string): Promise<void> {
    if (this.failure) return;
    await this.request({ kind: 'release', model });
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('inference worker terminated');
    await this.worker.terminate();
  }

  private request(message: Request, transfer: ArrayBuffer[] = []): Promise<WorkerResponse> {
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
}
