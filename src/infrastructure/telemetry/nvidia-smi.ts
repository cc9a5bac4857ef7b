import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * GPU readings from `nvidia-smi`. No GPU is available where this project's
 * tests run, so the parsing is a pure function tested on recorded output; the
 * command itself only runs when `nvidia-smi` is on PATH.
 */

export const NVIDIA_SMI_ARGS = ['--query-gpu=index,utilization.gpu,memory.used,temperature.gpu', '--format=csv,noheader,nounits'] as const;

export interface GpuReading {
  /** nvidia-smi's GPU index, as text (a label value). */
  readonly gpu: string;
  /** 0–1; undefined when the driver reports it as unavailable. */
  readonly utilizationRatio?: number;
  readonly memoryUsedBytes?: number;
  readonly temperatureCelsius?: number;
}

const MIB = 1024 * 1024;

/** A numeric cell, or undefined for `[N/A]`, `[Not Supported]`, `N/A` and other non-numbers. */
function cell(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === '' || !/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/**
 * Parses the output of `nvidia-smi --query-gpu=index,utilization.gpu,memory.used,temperature.gpu --format=csv,noheader,nounits`:
 * one line per GPU, e.g. `0, 37, 1523, 61` (percent, MiB, °C). Lines whose index is not a number are skipped.
 */
export function parseNvidiaSmi(output: string): GpuReading[] {
  const readings: GpuReading[] = [];
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const [indexCell, utilizationCell, memoryCell, temperatureCell] = line.split(',');
    const index = cell(indexCell);
    if (index === undefined || !Number.isInteger(index) || index < 0) continue;
    const utilization = cell(utilizationCell);
    const memory = cell(memoryCell);
    const temperature = cell(temperatureCell);
    readings.push({
      gpu: String(index),
      ...(utilization !== undefined ? { utilizationRatio: utilization / 100 } : {}),
      ...(memory !== undefined ? { memoryUsedBytes: memory * MIB } : {}),
      ...(temperature !== undefined ? { temperatureCelsius: temperature } : {}),
    });
  }
  return readings;
}

/** The full path of an executable found on PATH, or undefined. */
export function findOnPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Runs nvidia-smi once and returns its stdout. */
export function runNvidiaSmi(executable: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(executable, [...NVIDIA_SMI_ARGS], { timeout: timeoutMs, maxBuffer: 64 * 1024, windowsHide: true }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

/**
 * Caches GPU readings for `ttlMs` and shares one run among concurrent callers
 * (three gauges are collected per scrape). A failed run keeps the last readings.
 */
export class CachedGpuSampler {
  private last: readonly GpuReading[] = [];
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private running: Promise<readonly GpuReading[]> | undefined;

  constructor(
    private readonly query: () => Promise<string>,
    private readonly ttlMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  sample(): Promise<readonly GpuReading[]> {
    if (this.now() - this.fetchedAt < this.ttlMs) return Promise.resolve(this.last);
    this.running ??= this.query()
      .then(
        (output) => {
          this.last = parseNvidiaSmi(output);
          return this.last;
        },
        () => this.last,
      )
      .finally(() => {
        this.fetchedAt = this.now();
        this.running = undefined;
      });
    return this.running;
  }
}
