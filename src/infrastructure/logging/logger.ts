import pino from 'pino';
import type { Logger } from '../onnx/onnx-session';

export type { Logger };

/** Structured JSON logs on stderr (stdout is reserved for results in embedded mode and the CLI). */
export interface AppLogger extends Logger {
  debug(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

export function createLogger(level: string, name = 'face-recognition'): AppLogger {
  const base = pino({ name, level, base: { service: name } }, pino.destination({ fd: 2, sync: false }));
  const wrap =
    (method: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, context: Record<string, unknown> = {}): void =>
      base[method](context, message);
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
