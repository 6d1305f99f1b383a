import type { Clock } from './clock.js';
import { ShnError } from './errors.js';

/** Log levels, least to most severe. `silent` logs nothing. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Every {@link LogLevel}, least to most severe. */
export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** Structured fields bound to a logger or passed with one line. Values must be JSON-safe. */
export type LogFields = Record<string, unknown>;

/**
 * The structured logger every actor context, host and runtime exposes (`ctx.log`).
 *
 * It is the `logger` slot of a {@link SystemDefinition}: the default writes JSON lines to stderr at
 * level `info`; `@shn/telemetry` supplies pino. `child` binds fields (`shard`, `actor`, …) that every
 * later line carries. Implementations must never throw from a log call.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines also carry `bindings`. Optional for backwards compatibility; see {@link childLogger}. */
  child?(bindings: LogFields): Logger;
}

/** `logger.child(bindings)` where the logger has one, else a wrapper that merges the bindings into every line. */
export function childLogger(logger: Logger, bindings: LogFields): Logger {
  if (typeof logger.child === 'function') return logger.child(bindings);
  const merge = (fields: LogFields | undefined): LogFields => (fields === undefined ? bindings : { ...bindings, ...fields });
  return {
    debug: (m, f) => logger.debug(m, merge(f)),
    info: (m, f) => logger.info(m, merge(f)),
    warn: (m, f) => logger.warn(m, merge(f)),
    error: (m, f) => logger.error(m, merge(f)),
    child: (more) => childLogger(logger, { ...bindings, ...more }),
  };
}

const noop = (): void => undefined;

/** A {@link Logger} that discards everything. */
export const silentLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
});

/**
 * Parses a level name (case-insensitive), as read from an option or an environment variable.
 * @throws ShnError `INVALID_ARGUMENT` naming the accepted levels.
 */
export function parseLogLevel(value: unknown): LogLevel {
  const v = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new ShnError('INVALID_ARGUMENT', `log level must be one of ${LOG_LEVELS.join('|')}, got ${JSON.stringify(value)}`);
}

const RANK: Readonly<Record<LogLevel, number>> = Object.freeze({ trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity });

/** Options of {@link createLineLogger}. */
export interface LineLoggerOptions {
  /** Lowest level written; default `info`. */
  readonly level?: LogLevel;
  /** Receives one complete line (JSON plus `\n`) per log call. Must not throw; a throw is swallowed. */
  readonly write: (line: string) => void;
  /** Fields on every line. */
  readonly bindings?: LogFields;
  /** Source of the `time` field (epoch ms); default none (no `time` field). */
  readonly clock?: Clock;
}

function safeJson(record: LogFields): string {
  try {
    return JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Error ? { message: v.message, name: v.name, code: (v as { code?: unknown }).code } : v));
  } catch {
    return JSON.stringify({ level: record['level'], msg: record['msg'], logError: 'fields were not serialisable' });
  }
}

/**
 * A dependency-free structured logger: one JSON object per line, pino's field names
 * (`level` as a number, `time`, `msg`, then bound and per-line fields). The runtime's default
 * logger is this with `write` set to stderr.
 * @throws ShnError `INVALID_ARGUMENT` for a bad level or a missing `write` function.
 */
export function createLineLogger(options: LineLoggerOptions): Logger {
  if (typeof options !== 'object' || options === null || typeof options.write !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', 'createLineLogger needs { write(line) }');
  }
  const level = parseLogLevel(options.level ?? 'info');
  const min = RANK[level];
  const bindings = options.bindings ?? {};
  const { write, clock } = options;
  const line = (lvl: Exclude<LogLevel, 'silent'>) =>
    RANK[lvl] < min
      ? noop
      : (msg: string, fields?: LogFields): void => {
          const record: LogFields = { level: RANK[lvl], ...(clock === undefined ? {} : { time: clock.now() }), ...bindings, ...fields, msg: String(msg) };
          try {
            write(safeJson(record) + '\n');
          } catch {
            // a logger must never throw into the code that logs
          }
        };
  return {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    child: (more) => createLineLogger({ level, write, bindings: { ...bindings, ...more }, ...(clock === undefined ? {} : { clock }) }),
  };
}
