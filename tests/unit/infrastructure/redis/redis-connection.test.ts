import type { Redis } from 'ioredis';
import {
  createRedisConnection,
  parseRedisUrl,
  reconnectDelay,
  redactRedisUrl,
} from '../../../../src/infrastructure/redis/redis-connection';

describe('reconnectDelay', () => {
  it('grows exponentially from 100 ms and is capped at 2 s', () => {
    const none = (): number => 0;
    expect([1, 2, 3, 4, 5, 6, 10, 1000].map((n) => reconnectDelay(n, none))).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
  });

  it('adds up to 20 % jitter', () => {
    expect(reconnectDelay(10, () => 0.999)).toBeLessThanOrEqual(2400);
    expect(reconnectDelay(10, () => 0.5)).toBe(2200);
  });
});

describe('redactRedisUrl', () => {
  it('hides the password, keeps the rest', () => {
    expect(redactRedisUrl('redis://user:s3cret@redis:6379/2')).toBe('redis://user:***@redis:6379/2');
    expect(redactRedisUrl('redis://:s3cret@redis:6379')).toBe('redis://:***@redis:6379');
    expect(redactRedisUrl('redis://redis:6379')).toBe('redis://redis:6379');
    expect(redactRedisUrl('::')).toBe('<invalid redis url>');
  });
});

describe('parseRedisUrl', () => {
  it('reads host, port, credentials, database and TLS', () => {
    expect(parseRedisUrl('rediss://u%40x:p%3Aw@cache.local:6380/3')).toEqual({
      host: 'cache.local',
      port: 6380,
      username: 'u@x',
      password: 'p:w',
      db: 3,
      tls: true,
    });
    expect(parseRedisUrl('redis://[::1]')).toEqual({ host: '::1', port: 6379, tls: false });
  });

  it('rejects other schemes and bad databases', () => {
    expect(() => parseRedisUrl('http://x')).toThrow(/not a redis URL/);
    expect(() => parseRedisUrl('redis://x/abc')).toThrow(/database/);
  });
});

describe('createRedisConnection', () => {
  const make = (role: 'blocking' | 'commands', extra: object = {}): Redis =>
    createRedisConnection({ url: 'redis://:pw@127.0.0.1:1/2', role, connectionName: 'face recognition\nreader', lazyConnect: true, ...extra }) as Redis;

  it('lets blocking reads wait out outages and bounds the other commands', () => {
    const blocking = make('blocking');
    const commands = make('commands');
    const custom = make('commands', { maxRetriesPerRequest: 3 });
    try {
      expect(blocking.options.maxRetriesPerRequest).toBeNull();
      expect(commands.options.maxRetriesPerRequest).toBe(20);
      expect(custom.options.maxRetriesPerRequest).toBe(3);
      for (const client of [blocking, commands]) {
        expect(client.options).toMatchObject({ enableOfflineQueue: true, lazyConnect: true, db: 2, password: 'pw', port: 1, host: '127.0.0.1' });
        expect(client.options.connectionName).toBe('face_recognition_reader');
        expect(client.options.retryStrategy?.(1)).toBeGreaterThanOrEqual(100);
        expect(client.options.retryStrategy?.(50)).toBeLessThanOrEqual(2400);
        expect(client.status).toBe('wait');
      }
    } finally {
      for (const client of [blocking, commands, custom]) client.disconnect();
    }
  });
});
