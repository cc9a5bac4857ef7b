/**
 * The inference worker: owns every ONNX Runtime session of the process, and
 * the per-pixel work that feeds them (resize, crop, alignment warp, packing).
 * onnxruntime-node runs session.run synchronously on the calling thread, so
 * running it here keeps the event loop (HTTP health, Redis) responsive; doing
 * the pixel work here too spreads it over every core instead of serialising
 * it on the event loop (adr/0001). Requests are served one at a time, in
 * order: a FIFO queue.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { warpAffine } from '../imaging/affine-warp';
import { ReusableFloatBuffer } from '../imaging/reusable-float-buffer';
import { tensorFromImages } from '../imaging/tensor-from-images';
import {
  AUTO_CANDIDATES,
  type GraphOptimizationLevel,
  type LevelTiming,
  type LoadedSession,
  type RawImage,
  type WarpItem,
  type RunOutput,
  type SessionSettings,
  type ValueInfo,
  type WorkerRequest,
  type WorkerResponse,
} from './inference-protocol';

const sessions = new Map<string, ort.InferenceSession>();
/** Every model input of this worker is packed here: requests are served one at a time, and each call's input is done with when session.run returns. */
const inputBuffer = new ReusableFloatBuffer();
const takeInput = (length: number): Float32Array => inputBuffer.take(length);

const options = (settings: SessionSettings, provider: 'cpu' | 'cuda', level: GraphOptimizationLevel): ort.InferenceSession.SessionOptions => ({
  executionProviders: [provider],
  graphOptimizationLevel: level,
  intraOpNumThreads: settings.intraOpThreads,
  interOpNumThreads: settings.interOpThreads,
});

const valueInfo = (names: readonly string[], metadata: readonly ort.InferenceSession.ValueMetadata[]): ValueInfo[] =>
  names.map((name, i) => {
    const meta = metadata[i];
    return { name, shape: meta && meta.isTensor ? [...meta.shape] : [] };
  });

interface CreatedSession {
  readonly session: ort.InferenceSession;
  readonly provider: 'cpu' | 'cuda';
  readonly fallbackReason: string | null;
}

async function createSession(path: string, settings: SessionSettings, level: GraphOptimizationLevel): Promise<CreatedSession> {
  const provider = settings.executionProvider;
  try {
    return { session: await ort.InferenceSession.create(path, options(settings, provider, level)), provider, fallbackReason: null };
  } catch (error) {
    if (provider !== 'cuda') throw error;
    const fallbackReason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    return { session: await ort.InferenceSession.create(path, options(settings, 'cpu', level)), provider: 'cpu', fallbackReason };
  }
}

/** Timed runs per candidate level, after one untimed warm-up run each (arena allocation, CUDA kernel selection). */
const PROBE_RUNS = 3;

/** A fixed pseudo-random input in [-1, 1): no model sees only zeros, and every load times the same data. */
function probeInput(dims: readonly number[]): ort.Tensor {
  const data = new Float32Array(dims.reduce((n, d) => n * d, 1));
  let state = 0x9e3779b9;
  for (let i = 0; i < data.length; i += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state / 2 ** 31 - 1;
  }
  return new ort.Tensor('float32', data, dims);
}

/**
 * Times every candidate on the same probe input, runs interleaved so that a
 * burst of load on this shared machine hits all candidates alike; the median
 * of each is its figure.
 */
async function timeLevels(candidates: ReadonlyArray<CreatedSession & { level: GraphOptimizationLevel }>, dims: readonly number[]): Promise<LevelTiming[]> {
  const input = probeInput(dims);
  const feeds = (session: ort.InferenceSession) => ({ [session.inputNames[0] as string]: input });
  for (const { session } of candidates) await session.run(feeds(session));
  const samples = candidates.map(() => [] as number[]);
  for (let round = 0; round < PROBE_RUNS; round += 1) {
    for (const [index, { session }] of candidates.entries()) {
      const started = performance.now();
      await session.run(feeds(session));
      samples[index]?.push((performance.now() - started) / 1000);
    }
  }
  return candidates.map(({ level }, index) => {
    const sorted = [...(samples[index] as number[])].sort((a, b) => a - b);
    return { level, seconds: sorted[Math.floor(sorted.length / 2)] as number };
  });
}

async function load(model: string, path: string, settings: SessionSettings, probeDims: readonly number[]): Promise<LoadedSession> {
  const started = performance.now();
  const levels = settings.graphOptimization === 'auto' ? AUTO_CANDIDATES : [settings.graphOptimization];
  const candidates: Array<CreatedSession & { level: GraphOptimizationLevel }> = [];
  try {
    for (const level of levels) candidates.push({ level, ...(await createSession(path, settings, level)) });
    const levelTimings = candidates.length > 1 ? await timeLevels(candidates, probeDims) : [];
    const fastest = levelTimings.reduce<LevelTiming | undefined>((best, t) => (best === undefined || t.seconds < best.seconds ? t : best), undefined);
    const chosen = candidates.find((c) => c.level === (fastest?.level ?? levels[0])) as (typeof candidates)[number];
    for (const candidate of candidates) if (candidate !== chosen) await candidate.session.release();
    const loaded: LoadedSession = {
      inputs: valueInfo(chosen.session.inputNames, chosen.session.inputMetadata),
      outputs: valueInfo(chosen.session.outputNames, chosen.session.outputMetadata),
      provider: chosen.provider,
      fallbackReason: chosen.fallbackReason,
      loadSeconds: (performance.now() - started) / 1000,
      graphOptimization: chosen.level,
      levelTimings,
    };
    // Registered last: a failure above releases every candidate, and none is left behind in the map.
    sessions.set(model, chosen.session);
    return loaded;
  } catch (error) {
    for (const candidate of candidates) await candidate.session.release().catch(() => undefined);
    throw error;
  }
}

async function run(model: string, input: Float32Array, dims: readonly number[]): Promise<{ outputs: Record<string, RunOutput>; seconds: number }> {
  const session = sessions.get(model);
  if (!session) throw new Error(`model ${model} is not loaded`);
  const feeds = { [session.inputNames[0] as string]: new ort.Tensor('float32', input, dims) };
  const started = performance.now();
  const results = await session.run(feeds);
  const seconds = (performance.now() - started) / 1000;
  const outputs: Record<string, RunOutput> = {};
  for (const [name, tensor] of Object.entries(results)) {
    if (!(tensor.data instanceof Float32Array)) throw new Error(`output ${name} of ${model} is ${tensor.type}, expected float32`);
    outputs[name] = { data: tensor.data, dims: [...tensor.dims] };
  }
  return { outputs, seconds };
}

/** Cuts every crop into shared memory: the caller reads it without a copy, and may post it back to a worker the same way. */
function warp(items: readonly WarpItem[], width: number, height: number): RawImage[] {
  return items.map(({ image, toSource }) => warpAffine(image, toSource, width, height, new Uint8Array(new SharedArrayBuffer(width * height * 3))));
}

const port = parentPort;
if (!port) throw new Error('inference-worker must run as a worker thread');

let queue: Promise<void> = Promise.resolve();
port.on('message', (request: WorkerRequest) => {
  queue = queue.then(async () => {
    let response: WorkerResponse;
    const transfer: ArrayBuffer[] = [];
    try {
      if (request.kind === 'load') {
        response = { id: request.id, ok: true, loaded: await load(request.model, request.path, request.settings, request.probeDims) };
      } else if (request.kind === 'run-calls') {
        const calls: Array<{ outputs: Record<string, RunOutput>; seconds: number }> = [];
        for (const call of request.calls) {
          const { input, dims } = await tensorFromImages(call.sources, call.layout, takeInput);
          const result = await run(request.model, input, dims);
          for (const output of Object.values(result.outputs)) transfer.push(output.data.buffer as ArrayBuffer);
          calls.push(result);
        }
        response = { id: request.id, ok: true, calls };
      } else if (request.kind === 'warp') {
        response = { id: request.id, ok: true, crops: warp(request.items, request.width, request.height) };
      } else {
        await sessions.get(request.model)?.release();
        sessions.delete(request.model);
        response = { id: request.id, ok: true, released: true };
      }
    } catch (error) {
      response = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(response, transfer);
  });
});
