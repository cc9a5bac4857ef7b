#!/usr/bin/env node
// Times the embedder as published (PRelu) against the provisioned one (PRelu
// rewritten as slope·x + (1 − slope)·Relu(x)), interleaved in one process,
// and prints their largest difference (adr/0012). Run it after upgrading
// onnxruntime-node: if PRelu has become as fast, the rewrite can go.
//
//   node scripts/compare-prelu-forms.mjs [--batch 8] [--rounds 7] [--level all]
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { batchDynamicEmbedder } from './lib/model-sources.mjs';
import { logger } from './lib/npm-asset.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const ort = require('onnxruntime-node');

const { values } = parseArgs({
  options: { batch: { type: 'string', default: '8' }, rounds: { type: 'string', default: '7' }, level: { type: 'string', default: 'all' } },
});
const batch = Number(values.batch);
const rounds = Number(values.rounds);
const options = { graphOptimizationLevel: values.level, intraOpNumThreads: 1, interOpNumThreads: 1 };

const forms = {
  'PRelu (published)': await ort.InferenceSession.create(batchDynamicEmbedder(root, logger('compare-prelu-forms')), options),
  'slope·x + (1 − slope)·Relu(x) (provisioned)': await ort.InferenceSession.create(join(root, 'models', 'default', 'fr_feature.onnx'), options),
};

// A fixed pseudo-random input in [-1, 1): the same for every form and every run.
const dims = [batch, 3, 112, 112];
const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
let state = 0x9e3779b9;
for (let i = 0; i < data.length; i += 1) {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  data[i] = state / 2 ** 31 - 1;
}
const input = new ort.Tensor('float32', data, dims);
const run = async (session) => (await session.run({ [session.inputNames[0]]: input }))[session.outputNames[0]].data;

const reference = await run(Object.values(forms)[0]);
const times = Object.fromEntries(Object.keys(forms).map((name) => [name, []]));
const differences = {};
for (let round = 0; round < rounds; round += 1) {
  for (const [name, session] of Object.entries(forms)) {
    const started = performance.now();
    const output = await run(session);
    times[name].push(performance.now() - started);
    differences[name] = output.reduce((largest, v, i) => Math.max(largest, Math.abs(v - reference[i])), 0);
  }
}
for (const [name, runs] of Object.entries(times)) {
  const median = [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  process.stdout.write(`${name}: median ${(median / batch).toFixed(2)} ms per face (batch ${batch}, ${rounds} runs, level ${values.level}), max |difference| ${differences[name].toExponential(1)}\n`);
}
await Promise.all(Object.values(forms).map((session) => session.release()));
