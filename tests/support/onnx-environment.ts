import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { TestEnvironment } from 'jest-environment-node';

/**
 * Jest's node environment runs each test file in its own realm, with its own
 * typed-array constructors (it shares only Buffer, ArrayBuffer and
 * Uint8Array). onnxruntime-node returns tensors whose data are typed arrays
 * of the main realm, and onnxruntime-common checks them with `instanceof`
 * against the test realm's constructors: every session.run then fails with
 * "A float32 tensor's data must be type of function Float32Array()". Sharing
 * the main realm's typed arrays, as Jest already does for Uint8Array, makes
 * the test realm behave like a plain Node process.
 *
 * jest.config.js makes it the environment of every integration test.
 */
const TYPED_ARRAYS = [
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

export default class OnnxTestEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const global = this.global as unknown as Record<string, unknown>;
    for (const constructor of TYPED_ARRAYS) global[constructor.name] = constructor;
  }
}
