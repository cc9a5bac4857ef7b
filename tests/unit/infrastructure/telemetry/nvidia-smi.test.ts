import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CachedGpuSampler, findOnPath, parseNvidiaSmi } from '../../../../src/infrastructure/telemetry/nvidia-smi';

// No GPU here: these tests parse output recorded from real drivers.
const MIB = 1024 * 1024;

describe('parseNvidiaSmi', () => {
  it('reads one line per GPU (percent, MiB, °C)', () => {
    const output = '0, 37, 1523, 61\n1, 100, 40960, 86\n';
    expect(parseNvidiaSmi(output)).toEqual([
      { gpu: '0', utilizationRatio: 0.37, memoryUsedBytes: 1523 * MIB, temperatureCelsius: 61 },
      { gpu: '1', utilizationRatio: 1, memoryUsedBytes: 40960 * MIB, temperatureCelsius: 86 },
    ]);
  });

  it('handles CRLF, blank lines and padding', () => {
    expect(parseNvidiaSmi('\r\n  0 ,  5 , 12 , 40 \r\n\r\n')).toEqual([{ gpu: '0', utilizationRatio: 0.05, memoryUsedBytes: 12 * MIB, temperatureCelsius: 40 }]);
  });

  it('leaves out values the driver does not report', () => {
    expect(parseNvidiaSmi('0, [N/A], 512, [Not Supported]\n1, [Unknown Error], N/A, 33')).toEqual([
      { gpu: '0', memoryUsedBytes: 512 * MIB },
      { gpu: '1', temperatureCelsius: 33 },
    ]);
  });

  it('skips lines that are not GPU readings', () => {
    const output = [
      'NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.',
      'index, utilization.gpu [%], memory.used [MiB], temperature.gpu',
      '-1, 1, 1, 1',
      '0.5, 1, 1, 1',
      '2, 10, 20',
    ].join('\n');
    expect(parseNvidiaSmi(output)).toEqual([{ gpu: '2', utilizationRatio: 0.1, memoryUsedBytes: 20 * MIB }]);
  });

  it('reads empty output as no GPU', () => {
    expect(parseNvidiaSmi('')).toEqual([]);
  });
});

describe('findOnPath', () => {
  it('finds executables only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'path-'));
    try {
      writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
      chmodSync(join(dir, 'tool'), 0o755);
      writeFileSync(join(dir, 'plain'), 'x');
      chmodSync(join(dir, 'plain'), 0o644);
      expect(findOnPath('tool', ['', '/nonexistent', dir].join(delimiter))).toBe(join(dir, 'tool'));
      expect(findOnPath('plain', dir)).toBeUndefined();
      expect(findOnPath('missing', dir)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CachedGpuSampler', () => {
  it('runs the query once per interval, shares concurrent calls and keeps the last readings on failure', async () => {
    let now = 0;
    const outputs: (string | Error)[] = ['0, 50, 1, 60', new Error('timeout'), '0, 70, 1, 61'];
    let calls = 0;
    const sampler = new CachedGpuSampler(
      async () => {
        const next = outputs[calls++];
        if (next instanceof Error) throw next;
        return next as string;
      },
      5000,
      () => now,
    );
    const [first, second] = await Promise.all([sampler.sample(), sampler.sample()]);
    expect(calls).toBe(1);
    expect(first).toBe(second);
    expect(first[0]?.utilizationRatio).toBe(0.5);
    now = 4000;
    await sampler.sample();
    expect(calls).toBe(1);
    now = 6000;
    expect((await sampler.sample())[0]?.utilizationRatio).toBe(0.5);
    expect(calls).toBe(2);
    now = 12000;
    expect((await sampler.sample())[0]?.utilizationRatio).toBe(0.7);
  });
});
