import { readFile } from 'node:fs/promises';
import { ImageDecodeError } from '../../domain/errors';

export interface CommandOutput {
  line(text: string): void;
  json(value: unknown): void;
  /** Transient progress (only on a terminal). */
  progress(text: string): void;
}

/** The command line was wrong: print usage, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function positiveInteger(raw: string | undefined, name: string, fallback: number): number {
  return wholeNumber(raw, name, fallback, 1);
}

export function nonNegativeInteger(raw: string | undefined, name: string, fallback: number): number {
  return wholeNumber(raw, name, fallback, 0);
}

function wholeNumber(raw: string | undefined, name: string, fallback: number, minimum: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < minimum) throw new UsageError(`--${name} must be a whole number ≥ ${minimum}, got '${raw}'`);
  return value;
}

/** Reads an image file, turning file-system failures into the same typed error as undecodable bytes. */
export async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    throw new ImageDecodeError(`cannot read ${path}: ${code}`, { path, reason: code });
  }
}
