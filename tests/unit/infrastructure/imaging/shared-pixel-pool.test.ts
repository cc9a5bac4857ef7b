import { SharedPixelPool } from '../../../../src/infrastructure/imaging/sharp-image-decoder';

describe('SharedPixelPool', () => {
  const pixels = (length: number, value: number): Uint8Array => new Uint8Array(length).fill(value);

  it('copies pixels into shared memory, and reuses a buffer handed back for the next frame of its size', () => {
    const pool = new SharedPixelPool(1000);
    const first = pool.copy(pixels(12, 7));
    expect(first.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(first)).toEqual(new Array(12).fill(7));
    pool.giveBack(first);
    expect(pool.bytesPooled).toBe(12);
    const second = pool.copy(pixels(12, 9));
    expect(second.buffer).toBe(first.buffer);
    expect(Array.from(second)).toEqual(new Array(12).fill(9));
    expect(pool.bytesPooled).toBe(0);
    // Another size gets its own buffer.
    expect(pool.copy(pixels(6, 1)).buffer).not.toBe(first.buffer);
  });

  it('never hands one buffer to two frames: a buffer given back twice is pooled once', () => {
    const pool = new SharedPixelPool(1000);
    const frame = pool.copy(pixels(10, 1));
    pool.giveBack(frame);
    pool.giveBack(frame);
    expect(pool.bytesPooled).toBe(10);
    const a = pool.copy(pixels(10, 2));
    const b = pool.copy(pixels(10, 3));
    expect(a.buffer).not.toBe(b.buffer);
    expect(Array.from(a)).toEqual(new Array(10).fill(2));
  });

  it('ignores buffers it did not make, and keeps at most maxBytes', () => {
    const pool = new SharedPixelPool(25);
    pool.giveBack(new Uint8Array(new SharedArrayBuffer(10)));
    pool.giveBack(new Uint8Array(10));
    expect(pool.bytesPooled).toBe(0);
    const frames = [pool.copy(pixels(10, 0)), pool.copy(pixels(10, 0)), pool.copy(pixels(10, 0))];
    frames.forEach((f) => pool.giveBack(f));
    expect(pool.bytesPooled).toBe(20);
  });
});
