#!/usr/bin/env node
/**
 * Measures the gallery store (adr/0008): per-person write time, full load
 * time (what a replica does at start) and stored bytes per person, for the
 * Redis store on a throw-away redis-server and for the embedded file store.
 * Run after `npm run build`:
 *   node scripts/bench-gallery-store.mjs [--people N] [--embeddings E]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { createGalleryStore, peopleDirOf } = await import('../dist/composition/gallery-store.js');
const { loadConfig } = await import('../dist/infrastructure/config/config.js');
const { formatKey, generateKey } = await import('../dist/infrastructure/store/encryption-keys.js');

const { values } = parseArgs({ options: { people: { type: 'string', default: '2000' }, embeddings: { type: 'string', default: '3' } } });
const PEOPLE = Number(values.people);
const EMBEDDINGS = Number(values.embeddings);
const KEY = formatKey(generateKey('bench'));

const vector = () => {
  const v = new Float32Array(512);
  const bytes = randomBytes(512 * 4);
  let norm = 0;
  for (let i = 0; i < 512; i += 1) norm += (v[i] = bytes.readInt32LE(i * 4) / 2 ** 31) ** 2;
  for (let i = 0; i < 512; i += 1) v[i] /= Math.sqrt(norm);
  return v;
};
const person = (i) => ({
  id: `person-${String(i).padStart(7, '0')}`,
  name: `Person ${i}`,
  metadata: { badge: `B${i}` },
  embeddings: Array.from({ length: EMBEDDINGS }, () => ({ vector: vector(), quality: { faceSize: 120, sharpness: 40, yaw: 2 }, createdAt: new Date().toISOString() })),
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  version: 1,
});
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function measure(label, store, storedBytes) {
  const people = Array.from({ length: PEOPLE }, (_, i) => person(i));
  const writes = [];
  for (const p of people) {
    const t = process.hrtime.bigint();
    await store.repository.create(p);
    writes.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  writes.sort((a, b) => a - b);
  const t = process.hrtime.bigint();
  let loaded = 0;
  for await (const person of store.repository.all()) if (person.id) loaded += 1;
  const loadMs = Number(process.hrtime.bigint() - t) / 1e6;
  const bytes = await storedBytes(people);
  console.log(
    `${label}: ${PEOPLE} people × ${EMBEDDINGS} embeddings: create p50 ${percentile(writes, 50).toFixed(2)} ms, p95 ${percentile(writes, 95).toFixed(2)} ms; ` +
      `load all ${loaded} in ${loadMs.toFixed(0)} ms (${((loadMs / loaded) * 1000).toFixed(0)} µs/person); ${bytes.toFixed(0)} stored bytes/person (${(bytes / EMBEDDINGS).toFixed(0)} per embedding incl. name/metadata)`,
  );
}

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const dir = mkdtempSync(join(tmpdir(), 'facerec-bench-gallery-'));
const port = await freePort();
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
await new Promise((resolve) => setTimeout(resolve, 500));
try {
  const redisStore = await createGalleryStore(loadConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, GALLERY_ENCRYPTION_KEY: KEY }), { connectionName: 'bench' });
  const { Redis } = await import('ioredis');
  const admin = new Redis(port, '127.0.0.1');
  await measure('redis', redisStore, async (people) => {
    let total = 0;
    for (const p of people.slice(0, 200)) total += Number(await admin.call('MEMORY', 'USAGE', `{gallery}:person:${p.id}`));
    return total / Math.min(200, people.length);
  });
  admin.disconnect();
  await redisStore.close();

  const dataDir = join(dir, 'data');
  const fileStore = await createGalleryStore(loadConfig({ DATA_DIR: dataDir, GALLERY_ENCRYPTION_KEY: KEY }), { connectionName: 'bench' });
  await measure('files', fileStore, async () => {
    const files = readdirSync(peopleDirOf(dataDir));
    return files.reduce((sum, name) => sum + statSync(join(peopleDirOf(dataDir), name)).size, 0) / files.length;
  });
  await fileStore.close();
} finally {
  redis.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
