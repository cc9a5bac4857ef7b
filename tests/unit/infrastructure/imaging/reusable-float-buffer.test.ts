import { ReusableFloatBuffer } from '../../../../src/infrastructure/imaging/reusable-float-buffer';

describe('ReusableFloatBuffer', () => {
  it('hands out views of the requested length over one buffer, growing only when a larger one is asked for', () => {
    const reusable = new ReusableFloatBuffer();
    const first = reusable.take(1000);
    expect(first).toHaveLength(1000);
    const capacity = reusable.capacity;
    expect(capacity).toBeGreaterThanOrEqual(1000);
    const smaller = reusable.take(10);
    expect(smaller).toHaveLength(10);
    expect(smaller.buffer).toBe(first.buffer);
    expect(reusable.capacity).toBe(capacity);
    const larger = reusable.take(capacity + 1);
    expect(larger).toHaveLength(capacity + 1);
    expect(larger.buffer).not.toBe(first.buffer);
  });

  it('keeps what the last user wrote (the caller overwrites every element it uses)', () => {
    const reusable = new ReusableFloatBuffer();
    reusable.take(4).set([1, 2, 3, 4]);
    expect([...reusable.take(4)]).toEqual([1, 2, 3, 4]);
  });
});
