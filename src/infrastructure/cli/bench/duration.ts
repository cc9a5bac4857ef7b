import { UsageError } from '../output';

const UNIT_SECONDS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600 };

/** "90s", "30m", "1.5h" or plain seconds ("45") → seconds; a usage error otherwise. */
export function parseDurationSeconds(raw: string | undefined, name: string, fallbackSeconds: number): number {
  if (raw === undefined) return fallbackSeconds;
  const match = /^(\d+(?:\.\d+)?)([smh]?)$/.exec(raw.trim());
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number) : NaN;
  if (!(seconds > 0)) throw new UsageError(`--${name} must be a duration such as 90s, 30m or 1h, got '${raw}'`);
  return seconds;
}

/** 5400 → "1h30m", 90 → "1m30s", 20 → "20s". */
export function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return [h > 0 ? `${h}h` : '', m > 0 ? `${m}m` : '', s > 0 || whole === 0 ? `${s}s` : ''].join('');
}
