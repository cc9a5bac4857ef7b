#!/usr/bin/env node
// Measures two choices of the HTTP API (adr/0006), interleaved so that a
// busy machine slows both sides alike; prints medians and ratios.
//   1. detect-only (AnalyzeFaces with {embed: false}) against the full
//      pipeline, one image per call, over the JPEGs in --images;
//   2. the base64 check of `format: byte` (decoding and re-encoding natively)
//      against a linear character-class regexp, on 8 million characters of
//      JPEG bytes (a 6 MB photo).
// Needs `npm run build` (it runs dist/). --checks-only skips 1, so that the
// checks run in a fresh process whose heap holds no models. Usage:
//   node scripts/bench-api-choices.mjs --images <dir of JPEGs> [--rounds 300] [--checks-only]
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
require('reflect-metadata');
const { createContainer, releaseContainer } = require(join(root, 'dist', 'main.js'));
const { loadConfig } = require(join(root, 'dist', 'infrastructure', 'config', 'config.js'));
const { TOKENS } = require(join(root, 'dist', 'application', 'tokens.js'));
const { isBase64 } = require(join(root, 'dist', 'infrastructure', 'http', 'api', 'schemas', 'base64.js'));

const { values } = parseArgs({
  options: { images: { type: 'string' }, rounds: { type: 'string', default: '300' }, 'checks-only': { type: 'boolean', default: false } },
});
if (!values.images) {
  process.stderr.write('usage: node scripts/bench-api-choices.mjs --images <dir> [--rounds N] [--checks-only]\n');
  process.exit(2);
}
const quantile = (sorted, p) => sorted[Math.floor(p * (sorted.length - 1))];
const elapsedMs = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const images = readdirSync(values.images)
  .filter((f) => /\.jpe?g$/i.test(f))
  .map((f) => readFileSync(join(values.images, f)));

async function compareDetectOnly(rounds) {
  const container = await createContainer(loadConfig({ LOG_LEVEL: 'warn' }));
  const analyze = container.get(TOKENS.AnalyzeFaces);
  for (let i = 0; i < 20; i++) await analyze.execute([images[i % images.length]]);
  const ratios = [];
  const total = { full: 0, detect: 0 };
  for (let r = 0; r < rounds; r++) {
    const image = images[r % images.length];
    const times = {};
    for (const kind of r % 2 === 0 ? ['full', 'detect'] : ['detect', 'full']) {
      const start = process.hrtime.bigint();
      await analyze.execute([image], undefined, kind === 'detect' ? { embed: false } : {});
      times[kind] = elapsedMs(start);
      total[kind] += times[kind];
    }
    ratios.push(times.detect / times.full);
  }
  await releaseContainer(container);
  ratios.sort((a, b) => a - b);
  console.log(
    `detect-only / full pipeline over ${rounds} rounds: median ${quantile(ratios, 0.5).toFixed(3)} ` +
      `(IQR ${quantile(ratios, 0.25).toFixed(3)}..${quantile(ratios, 0.75).toFixed(3)}); ` +
      `means ${(total.detect / rounds).toFixed(1)} ms vs ${(total.full / rounds).toFixed(1)} ms`,
  );
}

function compareBase64Checks(runs) {
  // JPEG bytes (the photos, repeated) as a client would send them: a regexp's speed depends on the text.
  const jpeg = Buffer.concat(images);
  const copies = Array.from({ length: Math.ceil(6_000_000 / jpeg.length) }, () => jpeg);
  const text = Buffer.concat(copies).subarray(0, 6_000_000).toString('base64');
  const alphabet = /^[A-Za-z0-9+/]*={0,2}$/;
  const checks = {
    'decode + re-encode (isBase64)': () => isBase64(text),
    'character-class regexp': () => text.length % 4 === 0 && alphabet.test(text),
  };
  const times = Object.fromEntries(Object.keys(checks).map((name) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const name of i % 2 === 0 ? Object.keys(checks) : Object.keys(checks).reverse()) {
      const start = process.hrtime.bigint();
      if (!checks[name]()) throw new Error(`${name} rejected valid base64`);
      times[name].push(elapsedMs(start));
    }
  }
  const medians = Object.entries(times).map(([name, list]) => `${name} ${quantile(list.sort((a, b) => a - b), 0.5).toFixed(1)} ms`);
  console.log(`base64 check of ${text.length} characters, medians of ${runs} interleaved: ${medians.join(', ')}`);
}

if (!values['checks-only']) await compareDetectOnly(Number(values.rounds));
compareBase64Checks(60);
process.exit(0);
