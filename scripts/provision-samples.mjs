#!/usr/bin/env node
// Provisions samples/: six photos of people, used by the embedded default
// (`npm start` with no REDIS_URL). They ship in the npm package
// @vladmandic/face-api@1.7.15 (MIT) under demo/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allPresent, extractVerified, fetchTarball, logger, runMain } from './lib/npm-asset.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = logger('provision-samples');

const PINNED = {
  'demo/sample1.jpg': '8ecae4b267b2d3169e06e00c7dee97097aa2a94635d45216f7732a5f4943cb51',
  'demo/sample2.jpg': '7d2b60ae6f13bf30f422e04df87451081a02c83de469056f25afb44b7000c691',
  'demo/sample3.jpg': '8eb081c9efb14370fa94d9feab9e5fbeafd19a627491853a80c2bf67f7ffa936',
  'demo/sample4.jpg': '729efa5923061d40eb4ed5f267a18cc7b8ba6f852bb2757b16d8b7e4937476fc',
  'demo/sample5.jpg': '6d45095ebb182d8f975c0790e0e4eefd86fbb40609cf4b271776d92e12662938',
  'demo/sample6.jpg': '9baad80f9d5e306fb9b8c0913d44445f1e95848df317530efb03d0934c57ba87',
};

runMain('provision-samples', () => {
  const dir = resolve(root, 'samples');
  const byName = Object.fromEntries(Object.entries(PINNED).map(([member, sum]) => [basename(member), sum]));
  if (allPresent(dir, byName)) {
    log(`${dir} is up to date`);
    return;
  }
  const files = extractVerified(fetchTarball(root, '@vladmandic/face-api', '1.7.15', log), PINNED);
  mkdirSync(dir, { recursive: true });
  for (const [member, bytes] of Object.entries(files)) writeFileSync(join(dir, basename(member)), bytes);
  log(`${Object.keys(files).length} sample photos ready in ${dir}`);
});
