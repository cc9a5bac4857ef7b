import { clusterHashPart, clusterSlot, frameQueueStream, processedMarkerKey, sameSlotTag } from '../../../../src/infrastructure/redis/redis-keys';

describe('redis key naming', () => {
  it('names the processor queue frames:ready:<id>', () => {
    expect(frameQueueStream('face-recognition-1')).toBe('frames:ready:face-recognition-1');
  });

  it('finds the part of a key Redis Cluster hashes', () => {
    expect(clusterHashPart('faces:detected')).toBe('faces:detected');
    expect(clusterHashPart('{faces}:detected')).toBe('faces');
    expect(clusterHashPart('a{b}c{d}')).toBe('b');
    expect(clusterHashPart('a{}b')).toBe('a{}b'); // empty tag: the whole key
    expect(clusterHashPart('a{b')).toBe('a{b'); // unclosed: the whole key
    expect(clusterHashPart('a}{b}')).toBe('b');
  });

  it('maps keys to the slots Redis Cluster gives them (CLUSTER KEYSLOT of redis-server 7.0)', () => {
    expect(clusterSlot('123456789')).toBe(0x31c3 % 16384); // the CRC16 check value of the Redis Cluster spec
    expect(clusterSlot('foo')).toBe(12182);
    expect(clusterSlot('{a}')).toBe(15495);
    expect(clusterSlot('{b}')).toBe(3300);
    expect(clusterSlot('x{b}y')).toBe(3300);
    expect(clusterSlot('{c}')).toBe(7365);
    expect(clusterSlot('{g}')).toBe(7233);
  });

  it('builds a hash tag that lands in the same slot as the key', () => {
    expect(sameSlotTag('faces:detected')).toBe('{faces:detected}');
    expect(sameSlotTag('{faces}:detected')).toBe('{faces}');
    expect(sameSlotTag('a{b')).toBe('{a{b}');
    expect(() => sameSlotTag('a}b')).toThrow(/hash tag/);
  });

  it('puts the processed marker in the result stream slot, per group and frame', () => {
    expect(processedMarkerKey('faces:detected', 'face-recognition', 'cam1-42')).toBe('faces:processed:{faces:detected}:face-recognition:cam1-42');
    expect(processedMarkerKey('{fr}:results', 'g', 'f')).toBe('faces:processed:{fr}:g:f');
    // The marker's hash part equals the stream's: same cluster slot.
    expect(clusterHashPart(processedMarkerKey('faces:detected', 'g', 'f'))).toBe(clusterHashPart('faces:detected'));
    expect(clusterHashPart(processedMarkerKey('{fr}:results', 'g', 'f'))).toBe(clusterHashPart('{fr}:results'));
  });
});
