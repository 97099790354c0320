import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The root logger. Child loggers bind `{ tenant }`, `{ tool }` and the like. Pretty output on a
 * terminal, JSON lines otherwise (so logs stay machine-readable under a process manager).
 */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const level = options.level ?? 'info';
  if (options.pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } });
  }
  return pino({ level });
}

/** A logger that drops everything: for tests and benchmarks. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
