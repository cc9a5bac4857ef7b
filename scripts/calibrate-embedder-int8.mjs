#!/usr/bin/env node
// Measures the activation ranges of the float embedder on a calibration set
// of aligned face crops, and writes them as the table that
// scripts/provision-models.mjs quantises the int8 embedder with (adr/0011).
// The table is versioned, so provisioning is deterministic and needs no
// calibration run; run this again only when the embedder or the calibration
// set changes. Needs `npm run build` and the provisioned models/default.
//
// Calibration set: the 22 faces of the six colour photos in samples/ (no LFW:
// LFW is the accuracy test), each photo seen at four scales (faces of about
// 250, 100, 62 and 40 px, so that upsampled camera-distance crops are
// covered), mirrored and not, and at three exposures (gain 0.6, 1, 1.3), all
// through the service's own detector, landmarks and alignment.
//
//   node scripts/calibrate-embedder-int8.mjs [--out scripts/calibration/fr_feature.int8-calibration.json]
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { alignedFaces, embedderInput, loadPipeline, root } from './lib/aligned-faces.mjs';
import { calibratedTensors } from './lib/qdq-quantize.mjs';
import { batchDynamicEmbedder } from './lib/model-sources.mjs';
import { logger, sha256 } from './lib/npm-asset.mjs';

const require = createRequire(join(root, 'package.json'));
const { onnx } = require('onnx-proto');
const ort = require('onnxruntime-node');
const sharp = require('sharp');



const SCALES = [1, 0.4, 0.25, 0.16];
const GAINS = [0.6, 1, 1.3];
const BATCH = 16;
/**
 * Share of each tensor's values clipped at each end of its range. Min/max
 * alone lets a few outliers stretch the range, coarsening every other value
 * (adr/0011 measures both).
 */
const CLIP_SHARE = 1e-5;
const HISTOGRAM_BINS = 4096;

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'scripts', 'calibration', 'fr_feature.int8-calibration.json') },
    // Share of values left outside the range at each end (0 = min/max).
    clip: { type: 'string', default: String(CLIP_SHARE) },
  },
});
const clipShare = Number(values.clip);

const modelDir = join(root, 'models', 'default');
const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));
const spec = manifest.embedder;
// The graph provisioning quantises: the published embedder, batch-dynamic, before any other rewrite.
const floatBytes = batchDynamicEmbedder(root, logger('calibrate-embedder-int8'));

async function variant(file, scale, mirrored, gain) {
  let pipeline = sharp(file).removeAlpha();
  if (scale !== 1) {
    const { width } = await sharp(file).metadata();
    pipeline = pipeline.resize(Math.round(width * scale), null, { kernel: 'lanczos3' });
  }
  if (mirrored) pipeline = pipeline.flop();
  if (gain !== 1) pipeline = pipeline.linear(gain, 0);
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

async function calibrationCrops() {
  const modelSet = await loadPipeline(modelDir);
  const crops = [];
  try {
    const photos = readdirSync(join(root, 'samples')).filter((f) => f.endsWith('.jpg')).sort();
    for (const photo of photos) {
      for (const scale of SCALES) {
        for (const mirrored of [false, true]) {
          for (const gain of GAINS) crops.push(...(await alignedFaces(modelSet, [await variant(join(root, 'samples', photo), scale, mirrored, gain)])));
        }
      }
    }
  } finally {
    await modelSet.release();
  }
  return crops;
}

/** The float embedder with every calibrated tensor as an extra output (basic optimisations only: no fusion hides one). */
async function probeSession(names) {
  const model = onnx.ModelProto.decode(floatBytes);
  for (const name of names) {
    if (model.graph.output.some((o) => o.name === name) || model.graph.input.some((i) => i.name === name)) continue;
    model.graph.output.push(onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }));
  }
  const bytes = Buffer.from(onnx.ModelProto.encode(model).finish());
  return ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'basic', intraOpNumThreads: 1, interOpNumThreads: 1 });
}

const crops = await calibrationCrops();
const names = calibratedTensors(onnx.ModelProto.decode(floatBytes).graph);
const session = await probeSession(names);
/** Runs the probe over every crop, handing each calibrated tensor's values to `visit`. */
async function eachActivation(visit) {
  for (let start = 0; start < crops.length; start += BATCH) {
    const batch = crops.slice(start, start + BATCH);
    const input = new ort.Tensor('float32', embedderInput(batch, spec), [batch.length, 3, spec.height, spec.width]);
    const outputs = await session.run({ [session.inputNames[0]]: input });
    for (const name of names) visit(name, name === session.inputNames[0] ? input.data : outputs[name].data);
  }
}

const extremes = Object.fromEntries(names.map((n) => [n, { min: Infinity, max: -Infinity, count: 0 }]));
await eachActivation((name, data) => {
  const e = extremes[name];
  for (let i = 0; i < data.length; i += 1) {
    const v = data[i];
    if (v < e.min) e.min = v;
    if (v > e.max) e.max = v;
  }
  e.count += data.length;
});
/** The range that leaves clipShare of the values below and above it, from a histogram over [min, max]. */
const histograms = Object.fromEntries(names.map((n) => [n, new Float64Array(HISTOGRAM_BINS)]));
if (clipShare > 0) {
  await eachActivation((name, data) => {
    const { min, max } = extremes[name];
    const histogram = histograms[name];
    const perBin = (max - min) / HISTOGRAM_BINS || 1;
    for (let i = 0; i < data.length; i += 1) histogram[Math.min(HISTOGRAM_BINS - 1, Math.floor((data[i] - min) / perBin))] += 1;
  });
}
const rangesFor = (clipShare) => Object.fromEntries(
  names.map((name) => {
    const { min, max, count } = extremes[name];
    if (clipShare === 0) return [name, { min, max }];
    const histogram = histograms[name];
    const perBin = (max - min) / HISTOGRAM_BINS;
    const limit = clipShare * count;
    let low = 0;
    for (let seen = 0; low < HISTOGRAM_BINS - 1 && seen + histogram[low] <= limit; low += 1) seen += histogram[low];
    let high = HISTOGRAM_BINS - 1;
    for (let seen = 0; high > 0 && seen + histogram[high] <= limit; high -= 1) seen += histogram[high];
    return [name, { min: Math.fround(min + low * perBin), max: Math.fround(min + (high + 1) * perBin) }];
  }),
);
const ranges = rangesFor(clipShare);
await session.release();

const table = {
  description: 'Activation ranges of the float embedder over the calibration set, for its int8 QDQ form (scripts/calibrate-embedder-int8.mjs, adr/0011)',
  embedderSha256: sha256(floatBytes),
  method: clipShare === 0 ? 'minmax' : `histogram, ${String(clipShare)} of the values clipped at each end (${HISTOGRAM_BINS} bins over min..max)`,
  calibrationSet: { photos: 'samples/*.jpg', scales: SCALES, mirrored: [false, true], gains: GAINS, crops: crops.length },
  ranges,
};
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(table, null, 1)}\n`);
process.stdout.write(`${crops.length} crops, ${names.length} tensors → ${values.out}\n`);
