import { Socket } from 'node:net';
import { startRedisServer } from '../../support/redis-server';

const answersPing = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = new Socket();
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
  });

describe('the redis-server test helper', () => {
  it('starts, stops, starts again on the same port, and disposes', async () => {
    const server = await startRedisServer();
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(await answersPing(server.port)).toBe(true);
      await server.stop();
      expect(server.running).toBe(false);
      expect(await answersPing(server.port)).toBe(false);
      await server.start();
      expect(await answersPing(server.port)).toBe(true);
      await server.restart();
      expect(server.running).toBe(true);
      expect(await answersPing(server.port)).toBe(true);
    } finally {
      await server.dispose();
    }
    expect(server.running).toBe(false);
  });

  it('explains how to install redis-server when the binary is missing', async () => {
    await expect(startRedisServer({ binary: '/nonexistent/redis-server' })).rejects.toThrow(/apt-get install redis-server/);
  });
});
