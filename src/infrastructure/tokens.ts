/** Tokens of infrastructure objects shared by several adapters and commands. */
export const INFRA = {
  Config: Symbol.for('Config'),
  Logger: Symbol.for('Logger'),
  ModelSet: Symbol.for('ModelSet'),
  Transport: Symbol.for('FrameTransport'),
} as const;
