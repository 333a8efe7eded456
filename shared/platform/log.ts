import { redact } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The logging surface core modules depend on; adapters bind it to an InvocationContext or the console. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogSink = (level: LogLevel, line: string) => void;

/** A structured logger whose every line (message and fields) has been through `redact`. */
export function createLogger(sink: LogSink, base: Record<string, unknown> = {}): Logger {
  const write = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    const record = redact({ ...base, ...fields }) as Record<string, unknown>;
    const suffix = Object.keys(record).length > 0 ? ` ${JSON.stringify(record)}` : '';
    sink(level, `${redact(message) as string}${suffix}`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

interface ContextLike {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export function loggerFor(context: ContextLike, base: Record<string, unknown> = {}): Logger {
  return createLogger((level, line) => context[level](line), base);
}

export const consoleLogger: Logger = createLogger((level, line) => console[level](line));
