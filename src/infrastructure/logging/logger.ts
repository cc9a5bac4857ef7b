import pino, { type Logger as PinoLogger } from 'pino';
import type { Logger } from '../onnx/onnx-session';

export type { Logger, PinoLogger };

/** Structured JSON logs on stderr (stdout is reserved for results in embedded mode and the CLI). */
export interface AppLogger extends Logger {
  debug(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
  /** The pino logger underneath, when there is one: the HTTP server logs through it (one child per request). */
  readonly pino?: PinoLogger;
}

/** The service's pino logger: JSON lines with `service`, to `destination` (default stderr). */
export function createPinoLogger(level: string, name = 'face-recognition', destination: pino.DestinationStream = pino.destination({ fd: 2, sync: false })): PinoLogger {
  return pino({ name, level, base: { service: name } }, destination);
}

/** The project's `(message, context)` logging calls over a pino logger. */
export function appLoggerOf(base: PinoLogger): AppLogger {
  const wrap =
    (method: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, context: Record<string, unknown> = {}): void =>
      base[method](context, message);
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error'), pino: base };
}

export function createLogger(level: string, name = 'face-recognition'): AppLogger {
  return appLoggerOf(createPinoLogger(level, name));
}
