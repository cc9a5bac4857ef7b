// Reading and writing ONNX initializers, for the provisioning rewrites.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const { onnx } = require('onnx-proto');

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const UINT8 = onnx.TensorProto.DataType.UINT8;
export const INT8 = onnx.TensorProto.DataType.INT8;
export const INT32 = onnx.TensorProto.DataType.INT32;

export function readFloats(tensor) {
  if (tensor.dataType !== FLOAT) throw new Error(`initializer ${tensor.name} is not float32`);
  if (tensor.floatData && tensor.floatData.length > 0) return Float32Array.from(tensor.floatData);
  const raw = Buffer.from(tensor.rawData);
  const values = new Float32Array(raw.length / 4);
  for (let i = 0; i < values.length; i += 1) values[i] = raw.readFloatLE(i * 4);
  return values;
}

/** An initializer of FLOAT, INT32, INT8 or UINT8 values, stored as raw little-endian bytes. */
export function tensor(name, dataType, dims, values) {
  const bytes = dataType === FLOAT || dataType === INT32 ? 4 : 1;
  const raw = Buffer.alloc(values.length * bytes);
  values.forEach((v, i) => {
    if (dataType === FLOAT) raw.writeFloatLE(v, i * 4);
    else if (dataType === INT32) raw.writeInt32LE(v, i * 4);
    else if (dataType === INT8) raw.writeInt8(v, i);
    else raw.writeUInt8(v, i);
  });
  return onnx.TensorProto.create({ name, dataType, dims, rawData: raw });
}

export function readInt64s(tensor) {
  if (tensor.int64Data && tensor.int64Data.length > 0) {
    return tensor.int64Data.map((v) => BigInt(v.toString()));
  }
  const raw = Buffer.from(tensor.rawData);
  const values = [];
  for (let offset = 0; offset < raw.length; offset += 8) values.push(raw.readBigInt64LE(offset));
  return values;
}

export function writeInt64s(tensor, values) {
  const raw = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => raw.writeBigInt64LE(v, i * 8));
  tensor.int64Data = [];
  tensor.rawData = raw;
}
