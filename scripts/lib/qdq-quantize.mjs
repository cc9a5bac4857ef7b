// Static int8 quantisation of a convolutional ONNX graph in the QDQ format
// that ONNX Runtime's CPU provider fuses into integer kernels (QLinearConv,
// QLinearAdd), written for the 512-d embedder (Conv, PRelu, Add, Reshape).
// A pure function of the float graph and a calibration table, so that
// provisioning gives the same bytes on every machine (adr/0011).
//
// The layout follows onnxruntime's own quantiser (QDQ format, U8S8):
// - every activation a Conv or Add reads or writes is followed by a
//   QuantizeLinear → DequantizeLinear pair (uint8, asymmetric: scale and zero
//   point from the calibrated range, which always includes 0), and its
//   consumers read the dequantised tensor. ONNX Runtime's selectors fuse a
//   Conv whose inputs all come from DequantizeLinear and whose only consumer
//   is a QuantizeLinear; on x86 only uint8 activations are fused
//   (QDQIsInt8Allowed() is false there), hence U8 activations;
// - Conv weights are int8, symmetric (zero point 0) and per output channel
//   (DequantizeLinear with axis 0, which needs opset 13);
// - Conv biases are int32 with scale = input scale × weight scale of the
//   channel and zero point 0, the form QLinearConv takes;
// - everything else (PRelu, Reshape, and the convolutions listed in
//   `keepFloat`) stays float between a DequantizeLinear and a QuantizeLinear.
import { FLOAT, INT32, INT8, UINT8, onnx, readFloats, tensor } from './onnx-tensors.mjs';

/** Per-channel DequantizeLinear (axis) first appears in opset 13. */
const QDQ_OPSET = 13;
/** Op types whose activations are quantised (inputs and outputs). */
const QUANTISED_OPS = new Set(['Conv', 'Add']);
/** Largest magnitude of a quantised bias: half of int32, leaving room for the accumulated products. */
const INT32_BIAS_LIMIT = 2 ** 30;

const node = (opType, name, input, output, axis) =>
  onnx.NodeProto.create({
    opType,
    name,
    input,
    output,
    attribute: axis === undefined ? [] : [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: axis })],
  });

/**
 * uint8 asymmetric parameters of a calibrated range, as onnxruntime computes
 * them: the range is widened to include 0 (so that zero padding is exact),
 * scale = range / 255 (stored as float32), zero point = round(-min / scale).
 */
export function activationParameters(min, max) {
  const low = Math.min(min, 0);
  const high = Math.max(max, 0);
  if (!(high > low)) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((high - low) / 255);
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-low / scale)));
  return { scale, zeroPoint };
}

/**
 * int8 symmetric per-output-channel quantisation of a weight whose first
 * dimension is the channel. `minScales` (optional, per channel) raises a
 * channel's scale where its bias would not fit int32 otherwise: a channel
 * whose weights are all near zero but whose bias is not (as onnxruntime's
 * quantiser adjusts the weight scale for the int32 bias).
 */
export function quantiseWeightPerChannel(values, channels, minScales = undefined) {
  const perChannel = values.length / channels;
  const scales = new Float32Array(channels);
  const quantised = new Int8Array(values.length);
  for (let c = 0; c < channels; c += 1) {
    let largest = 0;
    for (let i = c * perChannel; i < (c + 1) * perChannel; i += 1) largest = Math.max(largest, Math.abs(values[i]));
    // An all-zero channel still needs a positive scale; its values are 0 either way.
    const scale = Math.fround(Math.max(largest > 0 ? largest / 127 : 1, minScales?.[c] ?? 0));
    scales[c] = scale;
    for (let i = c * perChannel; i < (c + 1) * perChannel; i += 1) quantised[i] = Math.max(-127, Math.min(127, Math.round(values[i] / scale)));
  }
  return { scales, quantised };
}

/**
 * The grouped (depthwise) convolutions of a graph. Kept in float in the
 * embedder: with one activation scale for all channels they cost the most
 * accuracy, and on x86 they are a small share of the time (adr/0011).
 */
export function depthwiseConvolutions(graph) {
  return new Set(graph.node.filter((n) => n.opType === 'Conv' && Number(n.attribute.find((a) => a.name === 'group')?.i ?? 1) > 1).map((n) => n.name));
}

/**
 * The tensors whose ranges calibration must measure: the activations that
 * Conv and Add nodes read and write (never initializers).
 */
export function calibratedTensors(graph, keepFloat = new Set()) {
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const names = new Set();
  for (const n of graph.node) {
    if (!QUANTISED_OPS.has(n.opType) || keepFloat.has(n.name)) continue;
    const activations = n.opType === 'Conv' ? [n.input[0]] : n.input;
    for (const name of [...activations, ...n.output]) if (name && !initializers.has(name)) names.add(name);
  }
  return [...names];
}

/**
 * Rewrites `model` in place into its QDQ int8 form, except the nodes named in
 * `keepFloat`. `ranges` maps every name of calibratedTensors(graph,
 * keepFloat) to its calibrated { min, max }. Returns a one-line summary.
 */
export function quantiseModelQdq(model, ranges, keepFloat = new Set()) {
  const graph = model.graph;
  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  const activations = calibratedTensors(graph, keepFloat);
  const missing = activations.filter((name) => !ranges[name]);
  if (missing.length > 0) throw new Error(`no calibrated range for ${missing.length} tensor(s): ${missing.slice(0, 5).join(', ')}`);

  const parameters = new Map(activations.map((name) => [name, activationParameters(ranges[name].min, ranges[name].max)]));
  const added = [];
  const dequantised = (name) => `${name}_dequantized`;
  /** The Q → DQ pair after an activation; its consumers read the DQ output. */
  const qdqPair = (name) => {
    const { scale, zeroPoint } = parameters.get(name);
    added.push(tensor(`${name}_scale`, FLOAT, [], [scale]), tensor(`${name}_zero_point`, UINT8, [], [zeroPoint]));
    return [
      node('QuantizeLinear', `${name}_QuantizeLinear`, [name, `${name}_scale`, `${name}_zero_point`], [`${name}_quantized`]),
      node('DequantizeLinear', `${name}_DequantizeLinear`, [`${name}_quantized`, `${name}_scale`, `${name}_zero_point`], [dequantised(name)]),
    ];
  };
  const graphOutputs = new Set(graph.output.map((o) => o.name));
  for (const name of activations) if (graphOutputs.has(name)) throw new Error(`${name} is a graph output; quantising it would change the model's output`);

  const quantised = new Set(activations);
  const rename = (name) => (quantised.has(name) ? dequantised(name) : name);
  const nodes = [];
  const graphInputs = new Set(graph.input.map((i) => i.name));
  for (const name of activations) if (graphInputs.has(name)) nodes.push(...qdqPair(name));
  const replacedInitializers = new Set();
  let convolutions = 0;
  for (const original of graph.node) {
    const inputs = original.input.map(rename);
    if (original.opType === 'Conv' && !keepFloat.has(original.name)) {
      const [activation, weightName, biasName] = original.input;
      const weight = initializers.get(weightName);
      if (!weight) throw new Error(`Conv ${original.name}: weight ${weightName} is not an initializer`);
      const dims = weight.dims.map(Number);
      if (biasName && !initializers.has(biasName)) throw new Error(`Conv ${original.name}: bias ${biasName} is not an initializer`);
      const biasValues = biasName ? readFloats(initializers.get(biasName)) : undefined;
      const inputScale = parameters.get(activation).scale;
      // The int32 bias is bias / (input scale × weight scale): keep it well inside int32.
      const minScales = biasValues && Array.from(biasValues, (b) => Math.abs(b) / (inputScale * INT32_BIAS_LIMIT));
      const { scales, quantised: weights } = quantiseWeightPerChannel(readFloats(weight), dims[0], minScales);
      added.push(
        tensor(`${weightName}_quantized`, INT8, dims, Array.from(weights)),
        tensor(`${weightName}_scale`, FLOAT, [dims[0]], Array.from(scales)),
        tensor(`${weightName}_zero_point`, INT8, [dims[0]], new Array(dims[0]).fill(0)),
      );
      nodes.push(node('DequantizeLinear', `${weightName}_DequantizeLinear`, [`${weightName}_quantized`, `${weightName}_scale`, `${weightName}_zero_point`], [dequantised(weightName)], 0));
      inputs[1] = dequantised(weightName);
      replacedInitializers.add(weightName);
      if (biasName) {
        const biasScales = Array.from(scales, (s) => Math.fround(inputScale * s));
        added.push(
          tensor(`${biasName}_quantized`, INT32, [dims[0]], Array.from(biasValues, (b, c) => Math.round(b / biasScales[c]))),
          tensor(`${biasName}_scale`, FLOAT, [dims[0]], biasScales),
          tensor(`${biasName}_zero_point`, INT32, [dims[0]], new Array(dims[0]).fill(0)),
        );
        nodes.push(node('DequantizeLinear', `${biasName}_DequantizeLinear`, [`${biasName}_quantized`, `${biasName}_scale`, `${biasName}_zero_point`], [dequantised(biasName)], 0));
        inputs[2] = dequantised(biasName);
        replacedInitializers.add(biasName);
      }
      convolutions += 1;
    }
    original.input = inputs;
    nodes.push(original);
    for (const output of original.output) if (quantised.has(output)) nodes.push(...qdqPair(output));
  }

  graph.node = nodes;
  graph.initializer = [...graph.initializer.filter((t) => !replacedInitializers.has(t.name)), ...added];
  // Older IR versions also list initializers as graph inputs; the replaced ones must go there too.
  graph.input = graph.input.filter((i) => !replacedInitializers.has(i.name));
  graph.valueInfo = [];
  model.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: QDQ_OPSET })];
  return `int8 QDQ: ${convolutions} Conv with per-channel int8 weights, ${activations.length} uint8 activations, ${keepFloat.size} node(s) kept in float`;
}
