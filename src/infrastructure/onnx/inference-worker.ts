/**
 * The inference worker: owns every ONNX Runtime session of the process.
 * onnxruntime-node runs session.run synchronously on the calling thread, so
 * running it here keeps the event loop (HTTP health, Redis, pre-processing)
 * responsive, and lets pre-processing of the next batch overlap inference.
 * Requests are served one at a time, in order: a FIFO inference queue.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { resizeRegion } from '../imaging/affine-warp';
import { channelsOf, packIntoTensor } from '../imaging/tensor-packing';
import type { ImagePreprocessing, LoadedSession, RawImage, RunOutput, SessionSettings, ValueInfo, WorkerRequest, WorkerResponse } from './inference-protocol';

const sessions = new Map<string, ort.InferenceSession>();

const options = (settings: SessionSettings, provider: 'cpu' | 'cuda'): ort.InferenceSession.SessionOptions => ({
  executionProviders: [provider],
  graphOptimizationLevel: 'all',
  intraOpNumThreads: settings.intraOpThreads,
  interOpNumThreads: settings.interOpThreads,
});

const valueInfo = (names: readonly string[], metadata: readonly ort.InferenceSession.ValueMetadata[]): ValueInfo[] =>
  names.map((name, i) => {
    const meta = metadata[i];
    return { name, shape: meta && meta.isTensor ? [...meta.shape] : [] };
  });

async function load(model: string, path: string, settings: SessionSettings): Promise<LoadedSession> {
  const started = performance.now();
  let provider = settings.executionProvider;
  let fallbackReason: string | null = null;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, options(settings, provider));
  } catch (error) {
    if (provider !== 'cuda') throw error;
    fallbackReason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    provider = 'cpu';
    session = await ort.InferenceSession.create(path, options(settings, provider));
  }
  sessions.set(model, session);
  return {
    inputs: valueInfo(session.inputNames, session.inputMetadata),
    outputs: valueInfo(session.outputNames, session.outputMetadata),
    provider,
    fallbackReason,
    loadSeconds: (performance.now() - started) / 1000,
  };
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

/** Stretches each whole image to the model input and packs the batch (done here so it runs on every worker in parallel). */
function tensorFromImages(images: readonly RawImage[], prep: ImagePreprocessing): { input: Float32Array; dims: number[] } {
  const channels = channelsOf(prep);
  const input = new Float32Array(images.length * channels * prep.width * prep.height);
  const resized = new Uint8Array(prep.width * prep.height * 3);
  images.forEach((image, index) => {
    const whole = { x: 0, y: 0, width: image.width, height: image.height };
    packIntoTensor(resizeRegion(image, whole, prep.width, prep.height, resized), prep, input, index);
  });
  return { input, dims: [images.length, channels, prep.height, prep.width] };
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
        response = { id: request.id, ok: true, loaded: await load(request.model, request.path, request.settings) };
      } else if (request.kind === 'run' || request.kind === 'run-images') {
        const { input, dims } = request.kind === 'run' ? request : tensorFromImages(request.images, request.prep);
        const { outputs, seconds } = await run(request.model, input, dims);
        for (const output of Object.values(outputs)) transfer.push(output.data.buffer as ArrayBuffer);
        response = { id: request.id, ok: true, outputs, seconds };
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
