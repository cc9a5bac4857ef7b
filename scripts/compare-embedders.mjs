#!/usr/bin/env node
// Compares the float and the int8 embedder of a model set in one process
// (adr/0011): time per face inside session.run at each graph optimisation
// level that ORT_GRAPH_OPTIMIZATION=auto chooses between, in interleaved
// rounds so that a busy machine slows every variant alike, and the cosine
// similarity between the two embeddings of every face. The faces are the
// aligned crops the service makes from --images (its detector, landmarks
// and alignment). Needs `npm run build`.
//
//   node scripts/compare-embedders.mjs --images <dir> [--count 60] [--rounds 5] [--batch 8] [--model-dir models/default]
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { alignedFaces, embedderInput, loadPipeline, root } from './lib/aligned-faces.mjs';

const require = createRequire(join(root, 'package.json'));
const ort = require('onnxruntime-node');
const sharp = require('sharp');

const { values } = parseArgs({
  options: {
    images: { type: 'string' },
    count: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '5' },
    batch: { type: 'string', default: '8' },
    'model-dir': { type: 'string', default: join(root, 'models', 'default') },
  },
});
if (!values.images) {
  process.stderr.write('usage: node scripts/compare-embedders.mjs --images <dir> [--count N] [--rounds R] [--batch B] [--model-dir DIR]\n');
  process.exit(2);
}
const count = Number(values.count);
const rounds = Number(values.rounds);
const batchSize = Number(values.batch);
const modelDir = values['model-dir'];
const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));
const spec = manifest.embedder;
if (!spec.int8File) throw new Error(`${modelDir}: the manifest names no int8 embedder`);

const quantile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const median = (xs) => quantile([...xs].sort((a, b) => a - b), 0.5);

async function crops() {
  const files = readdirSync(values.images).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().slice(0, count);
  const modelSet = await loadPipeline(modelDir);
  const all = [];
  try {
    for (const file of files) {
      const { data, info } = await sharp(join(values.images, file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      all.push(...(await alignedFaces(modelSet, [{ width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) }])));
    }
  } finally {
    await modelSet.release();
  }
  return { files: files.length, crops: all };
}

const { files, crops: faces } = await crops();
const batches = [];
for (let start = 0; start < faces.length; start += batchSize) {
  const batch = faces.slice(start, start + batchSize);
  batches.push(new ort.Tensor('float32', embedderInput(batch, spec), [batch.length, 3, spec.height, spec.width]));
}

const variants = [];
for (const [precision, file] of [['f32', spec.file], ['int8', spec.int8File]]) {
  for (const level of ['extended', 'all']) {
    const session = await ort.InferenceSession.create(join(modelDir, file), { graphOptimizationLevel: level, intraOpNumThreads: 1, interOpNumThreads: 1 });
    variants.push({ precision, level, session, msPerFace: [] });
  }
}

async function embedAll(session) {
  const out = [];
  let seconds = 0;
  for (const input of batches) {
    const started = performance.now();
    const result = await session.run({ [session.inputNames[0]]: input });
    seconds += (performance.now() - started) / 1000;
    const data = result[session.outputNames[0]].data;
    const size = data.length / input.dims[0];
    for (let i = 0; i < input.dims[0]; i += 1) out.push(data.subarray(i * size, (i + 1) * size));
  }
  return { out, seconds };
}

for (const v of variants) await embedAll(v.session); // warm-up: arenas
const embeddings = new Map();
for (let round = 0; round < rounds; round += 1) {
  // Rotate the order so that no variant always runs first or last.
  for (let k = 0; k < variants.length; k += 1) {
    const v = variants[(k + round) % variants.length];
    const { out, seconds } = await embedAll(v.session);
    v.msPerFace.push((seconds * 1000) / faces.length);
    embeddings.set(`${v.precision}/${v.level}`, out);
  }
}

const cosine = (a, b) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
};

const best = (precision) => variants.filter((v) => v.precision === precision).reduce((a, b) => (median(a.msPerFace) <= median(b.msPerFace) ? a : b));
const f32 = best('f32');
const int8 = best('int8');
const out = (line) => process.stdout.write(`${line}\n`);
out(`faces: ${faces.length} from ${files} images, batch ${batchSize}, ${rounds} interleaved rounds, one intra-op thread`);
for (const v of variants) {
  out(`embedder ${v.precision.padEnd(4)} ${v.level.padEnd(8)} ms/face median ${median(v.msPerFace).toFixed(2)} (rounds: ${v.msPerFace.map((x) => x.toFixed(2)).join(' ')})`);
}
out(`fastest: f32 ${f32.level} ${median(f32.msPerFace).toFixed(2)} ms/face, int8 ${int8.level} ${median(int8.msPerFace).toFixed(2)} ms/face: int8 takes ${(median(int8.msPerFace) / median(f32.msPerFace)).toFixed(3)}× the time`);
const a = embeddings.get(`f32/${f32.level}`);
const b = embeddings.get(`int8/${int8.level}`);
const cosines = a.map((e, i) => cosine(e, b[i])).sort((x, y) => x - y);
const mean = cosines.reduce((s, c) => s + c, 0) / cosines.length;
out(
  `cosine f32 vs int8 over ${cosines.length} faces: min ${cosines[0].toFixed(4)}, p1 ${quantile(cosines, 0.01).toFixed(4)}, p5 ${quantile(cosines, 0.05).toFixed(4)}, ` +
    `median ${quantile(cosines, 0.5).toFixed(4)}, mean ${mean.toFixed(4)}`,
);
for (const v of variants) await v.session.release();
