// Graph rewrites applied at provisioning (scripts/provision-models.mjs): each
// keeps what the network computes and changes only how onnxruntime can run
// it (any batch, any input size, vectorised kernels).
import { FLOAT, onnx, readFloats, readInt64s, tensor, writeInt64s } from './onnx-tensors.mjs';

export const nonInitializerInputs = (graph) => {
  const initializers = new Set(graph.initializer.map((t) => t.name));
  return graph.input.filter((input) => !initializers.has(input.name));
};

/** Makes the listed dimensions of a graph input/output symbolic (null leaves a dimension as it is). */
export function setSymbolicDims(valueInfo, names) {
  valueInfo.type.tensorType.shape.dim.forEach((dim, i) => {
    if (names[i] === null || names[i] === undefined) return;
    dim.dimValue = null;
    dim.dimParam = names[i];
  });
}

/**
 * Makes the first dimension of every graph input and output symbolic.
 * Shipped models are exported with batch 1 baked into their inputs/outputs
 * and, for the embedder, into the constant shape of its final Reshape
 * ([1,-1], which becomes [-1,512]).
 */
export function batchDynamic(graph, file) {
  const staticOutputDims = new Map(
    graph.output.map((o) => [o.name, o.type.tensorType.shape.dim.map((d) => BigInt(d.dimValue?.toString() ?? '0'))]),
  );
  nonInitializerInputs(graph).forEach((input) => setSymbolicDims(input, ['batch']));
  graph.output.forEach((output) => setSymbolicDims(output, ['batch']));
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
  return `batch dimension made dynamic (${reshapesPatched} constant Reshape shape(s) patched)`;
}

/**
 * Replaces every PRelu(x, slope) by slope·x + (1 − slope)·Relu(x), the same
 * values (to float rounding) in vectorised operators. onnxruntime's CPU PRelu
 * with a per-channel slope runs a scalar, branching loop per element: in the
 * embedder it took about as long as the convolutions, a fifth of the
 * service's CPU on HD frames (adr/0012). A negative input gives exactly
 * PRelu's float (slope × x + 0); a positive one x to within a rounding.
 */
export function vectorisedPrelu(graph, file) {
  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  const nodes = [];
  let replaced = 0;
  for (const node of graph.node) {
    if (node.opType !== 'PRelu') {
      nodes.push(node);
      continue;
    }
    const [x, slopeName] = node.input;
    const slope = initializers.get(slopeName);
    if (!slope) throw new Error(`${file}: PRelu ${node.name} takes its slope from ${slopeName}, which is not an initializer`);
    const name = node.name || `prelu_${replaced}`;
    const complement = `${name}_one_minus_slope`;
    graph.initializer.push(tensor(complement, FLOAT, slope.dims, Array.from(readFloats(slope), (s) => 1 - s)));
    const op = (opType, suffix, input, output) => onnx.NodeProto.create({ opType, name: `${name}_${suffix}`, input, output: [output] });
    nodes.push(
      op('Relu', 'relu', [x], `${name}_positive`),
      op('Mul', 'slope_x', [x, slopeName], `${name}_sloped`),
      op('Mul', 'complement_relu', [`${name}_positive`, complement], `${name}_kept`),
      op('Add', 'sum', [`${name}_sloped`, `${name}_kept`], node.output[0]),
    );
    replaced += 1;
  }
  graph.node = nodes;
  return `${replaced} PRelu rewritten as slope·x + (1 − slope)·Relu(x)`;
}
