/** Growth granularity: 4 Mi floats (16 MiB), so a worker's buffer settles after a few differently sized calls. */
const GROWTH_STEP = 4 * 1024 * 1024;

/**
 * One grow-only Float32Array handed out again and again for model inputs.
 *
 * A fresh input per call (45 MB for four 1080p frames at the detector's
 * 1280×736) cost the inference workers page faults and zero-filling of new
 * memory, and major garbage collections driven by the external memory, on
 * every call; freed in bursts, it also made the process's RSS swing by
 * gigabytes (adr/0010). Its user must be done with one view (the model call
 * has returned) before asking for the next: the inference worker serves one
 * request at a time.
 */
export class ReusableFloatBuffer {
  private buffer = new Float32Array(0);

  /** A view of `length` floats; its contents are whatever the last user left. */
  take(length: number): Float32Array {
    if (length > this.buffer.length) this.buffer = new Float32Array(Math.ceil(length / GROWTH_STEP) * GROWTH_STEP);
    return this.buffer.subarray(0, length);
  }

  /** Floats held (for tests and reports). */
  get capacity(): number {
    return this.buffer.length;
  }
}
