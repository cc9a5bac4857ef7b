#!/usr/bin/env node
// Latency of the gallery routes of a running service, one request at a time
// (no concurrency): register, verify 1:1, verify 1:N, get, each `--rounds`
// times with one photo; prints median and p95 per route in ms.
//
//   node scripts/measure-gallery-api.mjs --url http://127.0.0.1:8003 --key <secret> --image photo.jpg [--rounds 30]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { url: { type: 'string' }, key: { type: 'string' }, image: { type: 'string' }, rounds: { type: 'string', default: '30' } } });
if (!values.url || !values.key || !values.image) {
  process.stderr.write('usage: measure-gallery-api.mjs --url <base> --key <secret> --image <file> [--rounds N]\n');
  process.exit(2);
}
const image = readFileSync(values.image).toString('base64');
const rounds = Number(values.rounds);

async function timed(method, path, body) {
  const started = performance.now();
  const response = await fetch(`${values.url}${path}`, {
    method,
    headers: { 'x-api-key': values.key, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  await response.arrayBuffer();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}`);
  return ms;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
const samples = { register: [], 'verify 1:1': [], 'verify 1:N': [], get: [], delete: [] };
const run = `m${Date.now().toString(36)}`;
for (let i = 0; i < rounds; i += 1) {
  const id = `${run}-${i}`;
  samples.register.push(await timed('POST', '/v1/faces/register', { person_id: id, images: [image] }));
  samples['verify 1:1'].push(await timed('POST', '/v1/faces/verify', { image, person_id: id }));
  samples['verify 1:N'].push(await timed('POST', '/v1/faces/verify', { image, top_k: 5 }));
  samples.get.push(await timed('GET', `/v1/faces/${id}`));
  samples.delete.push(await timed('DELETE', `/v1/faces/${id}`));
}
for (const [route, list] of Object.entries(samples)) {
  const sorted = [...list].sort((a, b) => a - b);
  console.log(`${route.padEnd(11)} n=${sorted.length}  median ${quantile(sorted, 0.5).toFixed(1)} ms  p95 ${quantile(sorted, 0.95).toFixed(1)} ms`);
}
