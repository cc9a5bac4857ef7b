import { benchSearchCommand } from '../../../../src/infrastructure/cli/bench-search-command';
import { pairStatistics, syntheticGallery } from '../../../../src/infrastructure/cli/bench/synthetic-embeddings';
import type { CommandOutput } from '../../../../src/infrastructure/cli/output';

function capturedOutput(): CommandOutput & { readonly lines: string[] } {
  const lines: string[] = [];
  return { lines, line: (text) => void lines.push(text), progress: () => undefined, json: () => undefined };
}

describe('synthetic embeddings for bench search', () => {
  it('draws photos whose pair similarities follow the model: two photos of one person ≈ 1 / (1 + noise²), strangers ≈ 0', () => {
    const isotropic = pairStatistics({ dimensions: 512, noise: 1, latent: 0, seed: 1 }, 500);
    expect(isotropic.genuineMedian).toBeGreaterThan(0.45);
    expect(isotropic.genuineMedian).toBeLessThan(0.55);
    expect(Math.abs(isotropic.impostorMedian)).toBeLessThan(0.02);
    // Isotropic strangers: the four cross terms of (c₁ + n₁)·(c₂ + n₂) / 2 give σ ≈ 1/√512 ≈ 0.044, so the 99.9th percentile is near 3.1σ.
    expect(isotropic.impostorP999).toBeGreaterThan(0.09);
    expect(isotropic.impostorP999).toBeLessThan(0.19);
  });

  it('makes strangers look more alike when people differ along fewer axes', () => {
    const isotropic = pairStatistics({ dimensions: 512, noise: 1, latent: 0, seed: 1 }, 2000);
    const latent = pairStatistics({ dimensions: 512, noise: 1, latent: 32, seed: 1 }, 2000);
    expect(latent.impostorP999).toBeGreaterThan(1.5 * isotropic.impostorP999);
    expect(latent.genuineMedian).toBeGreaterThan(0.45);
  });

  it('builds the same gallery and probes from the same seed, and a new photo is nearest its own person', () => {
    const model = { dimensions: 256, noise: 1, latent: 0, seed: 3 };
    const first = syntheticGallery(500, 20, model, capturedOutput());
    const second = syntheticGallery(500, 20, model, capturedOutput());
    expect(first.probes).toEqual(second.probes);
    expect(first.subjects).toEqual(second.subjects);
    const enrolled = first.subjects.flatMap((subject, p) => (subject === null ? [] : [[subject, p] as const]));
    const right = enrolled.filter(([subject, p]) => first.index.search(first.probes[p]!, 1)[0]?.identityId === `p${subject}`);
    expect(right.length).toBeGreaterThanOrEqual(enrolled.length - 1);
  });
});

describe('facerec bench search', () => {
  it('reports exact and graph search with recall against exact search', async () => {
    const output = capturedOutput();
    const code = await benchSearchCommand({ sizes: '2000', probes: '20', shortlists: '64', latent: '16', quantization: 'i8' }, output);
    expect(code).toBe(0);
    const text = output.lines.join('\n');
    expect(text).toMatch(/impostor 99\.9th percentile 0\.\d{3}/);
    expect(text).toMatch(/2000 templates: filled in/);
    expect(text).toMatch(/exact \(20 probes timed\): p50 [\d.]+ ms, p95 [\d.]+ ms per probe; new photos ranked their own person first: [\d.]+ %/);
    expect(text).toMatch(/HNSW built in [\d.]+ s/);
    expect(text).toMatch(/HNSW shortlist {3}64: p50 [\d.]+ ms, p95 [\d.]+ ms per probe; recall@1 vs exact [\d.]+ % \(enrolled [\d.]+ %, strangers [\d.]+ %\)/);
  });

  it('refuses an unknown quantization', async () => {
    await expect(benchSearchCommand({ sizes: '100', quantization: 'q4' }, capturedOutput())).rejects.toThrow('--quantization must be f32, f16 or i8');
  });
});
