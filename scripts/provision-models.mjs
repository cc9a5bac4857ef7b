#!/usr/bin/env node
// Provisions the default face model set into models/default.
//
// The ONNX files come from the npm package faceplugin-face-recognition-js@0.0.1
// (MIT). We do not depend on that package: it lists a whole build toolchain as
// runtime dependencies. Instead we `npm pack` it (npm registry only), extract
// just the three models we use, verify their SHA-256, and rewrite them with a
// dynamic batch dimension so one session.run serves a whole batch.
//
// Idempotent: a second run with verified outputs does nothing, and once the
// tarball is cached the script needs no network at all.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allPresent, extractVerified, fetchTarball, logger, runMain, sha256 } from './lib/npm-asset.mjs';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = logger('provision-models');

const PACKAGE = 'faceplugin-face-recognition-js';
const VERSION = '0.0.1';
const MODEL_SET_VERSION = 'faceplugin-0.0.1-dynbatch-4';

/** Checksums of the files as published in the package. */
const SOURCE_MODELS = {
  'fr_detect.onnx': '6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854',
  'fr_landmark.onnx': 'f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258',
  'fr_feature.onnx': '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581',
};

/** The manifest tells the adapters how to feed each model (see adr/0001). */
const MANIFEST = {
  name: 'faceplugin-default',
  version: MODEL_SET_VERSION,
  license: 'MIT (faceplugin-face-recognition-js@0.0.1)',
  detector: {
    file: 'fr_detect.onnx',
    family: 'ultraface',
    width: 320,
    height: 240,
    channelOrder: 'rgb',
    mean: 127,
    std: 128,
  },
  landmarks: {
    file: 'fr_landmark.onnx',
    family: 'landmark68',
    width: 64,
    height: 64,
    channelOrder: 'gray',
    mean: 0,
    std: 256,
  },
  embedder: {
    file: 'fr_feature.onnx',
    family: 'arcface',
    width: 112,
    height: 112,
    channelOrder: 'rgb',
    // The package's own preprocessing is (x - 127) / 128; on LFW it scores one
    // pair better than (x - 127.5) / 128 (adr/0001).
    mean: 127,
    std: 128,
    embeddingSize: 512,
  },
};

function outputDir() {
  return resolve(root, process.env.MODEL_PROVISION_DIR ?? 'models/default');
}

function isProvisioned(dir) {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return false;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    return manifest.version === MODEL_SET_VERSION && Boolean(manifest.checksums) && allPresent(dir, manifest.checksums);
  } catch {
    return false;
  }
}

/**
 * Rewrites a model so its first dimension is symbolic. Shipped models are
 * exported with batch 1 baked into graph inputs/outputs and, for the
 * embedder, into the constant shape of its final Reshape ([1,-1], which
 * becomes [-1,512]).
 */
function makeBatchDynamic(bytes, file) {
  const { onnx } = require('onnx-proto');
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  const initializerNames = new Set(graph.initializer.map((t) => t.name));
  const staticOutputDims = new Map(
    graph.output.map((o) => [o.name, o.type.tensorType.shape.dim.map((d) => BigInt(d.dimValue?.toString() ?? '0'))]),
  );
  const setBatchDim = (valueInfo) => {
    const dim = valueInfo.type.tensorType.shape.dim[0];
    dim.dimValue = null;
    dim.dimParam = 'batch';
  };
  graph.input.filter((input) => !initializerNames.has(input.name)).forEach(setBatchDim);
  graph.output.forEach(setBatchDim);
  // Stale intermediate shapes would pin the batch again; ONNX Runtime re-infers them.
  graph.valueInfo = [];

  let reshapesPatched = 0;
  for (const node of graph.node.filter((n) => n.opType === 'Reshape')) {
    const shape = graph.initializer.find((t) => t.name === node.input[1]);
    if (!shape) continue; // computed at run time from Shape ops: already batch-agnostic
    const values = readInt64s(shape);
    if (values.length === 0 || values[0] !== 1n) continue;
    // Only one dimension may be inferred (-1). The embedder's head is
    // Reshape(x, [1, -1]); its other dims are known from the graph output.
    const inferred = values.indexOf(-1n, 1);
    if (inferred > 0) {
      const known = staticOutputDims.get(node.output[0]);
      if (!known || !known[inferred]) {
        throw new Error(`${file}: cannot make Reshape ${node.name} batch-dynamic (shape [${values}])`);
      }
      values[inferred] = known[inferred];
    }
    values[0] = -1n;
    writeInt64s(shape, values);
    reshapesPatched += 1;
  }
  log(`${file}: batch dimension made dynamic (${reshapesPatched} constant Reshape shape(s) patched)`);
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

function readInt64s(tensor) {
  if (tensor.int64Data && tensor.int64Data.length > 0) {
    return tensor.int64Data.map((v) => BigInt(v.toString()));
  }
  const raw = Buffer.from(tensor.rawData);
  const values = [];
  for (let offset = 0; offset < raw.length; offset += 8) values.push(raw.readBigInt64LE(offset));
  return values;
}

function writeInt64s(tensor, values) {
  const raw = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => raw.writeBigInt64LE(v, i * 8));
  tensor.int64Data = [];
  tensor.rawData = raw;
}

runMain('provision-models', () => {
  const dir = outputDir();
  if (isProvisioned(dir)) {
    log(`${dir} is up to date (${MODEL_SET_VERSION})`);
    return;
  }
  const pinned = Object.fromEntries(Object.entries(SOURCE_MODELS).map(([file, sum]) => [`model/${file}`, sum]));
  const sources = extractVerified(fetchTarball(root, PACKAGE, VERSION, log), pinned);
  mkdirSync(dir, { recursive: true });
  const checksums = {};
  for (const [member, bytes] of Object.entries(sources)) {
    const file = member.slice('model/'.length);
    const converted = makeBatchDynamic(bytes, file);
    const target = join(dir, file);
    writeFileSync(`${target}.tmp`, converted);
    renameSync(`${target}.tmp`, target);
    checksums[file] = sha256(converted);
  }
  const manifest = { ...MANIFEST, sourceChecksums: SOURCE_MODELS, checksums };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`model set ${MODEL_SET_VERSION} ready in ${dir}`);
});
