import { trace } from '@opentelemetry/api';
import { HEADERS, ShnError, parseLogLevel, systemClock } from '@shn/core';
import type { Clock, LogFields, LogLevel, Logger, LoggerFactory, SlotContext } from '@shn/core';
import { pino } from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import type { MessageScope } from './message-scope.js';
import { parseTraceparent } from './trace-context.js';

/** Fields redacted from every line (pino redact paths): authorization headers and secret keys. */
export const DEFAULT_REDACT_PATHS: readonly string[] = Object.freeze([
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  `headers["${HEADERS.authorization}"]`,
  'key',
  '*.key',
  'apiKey',
  '*.apiKey',
  'privateKey',
  '*.privateKey',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'token',
  '*.token',
]);

/** The environment variables read for the level, first found wins. */
export const LOG_LEVEL_ENV = Object.freeze(['SHN_LOG_LEVEL', 'LOG_LEVEL']);

/** Options of {@link createPinoLoggerFactory}. */
export interface PinoLoggerOptions {
  /** The level; default from `SHN_LOG_LEVEL`, then `LOG_LEVEL`, then `info`. */
  readonly level?: LogLevel;
  /** Where the level variables are read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where lines go (default pino's synchronous stdout). */
  readonly destination?: DestinationStream;
  /** Extra pino redact paths, added to {@link DEFAULT_REDACT_PATHS}. */
  readonly redact?: readonly string[];
  /** The message scope the telemetry middleware keeps, for `msg_id` and `actor` on lines logged inside `receive`. */
  readonly scope?: MessageScope;
  /** Source of the `time` field, epoch ms (default systemClock). */
  readonly clock?: Clock;
}

/** Wraps a pino logger as a core {@link Logger}; `child` keeps wrapping. Never throws from a log call. */
export function adaptPino(p: PinoLogger): Logger {
  const call = (fn: (obj: object, msg: string) => void) => (msg: string, fields?: LogFields): void => {
    try {
      fn.call(p, fields ?? {}, msg);
    } catch {
      // a logger must never throw into the code that logs
    }
  };
  return {
    debug: call(p.debug),
    info: call(p.info),
    warn: call(p.warn),
    error: call(p.error),
    child: (bindings) => adaptPino(p.child(bindings)),
  };
}

function resolveLevel(options: PinoLoggerOptions): LogLevel {
  if (options.level !== undefined) return parseLogLevel(options.level);
  const env = options.env ?? process.env;
  for (const name of LOG_LEVEL_ENV) {
    const v = env[name];
    if (v !== undefined && v !== '') {
      try {
        return parseLogLevel(v);
      } catch (e) {
        throw new ShnError('INVALID_ARGUMENT', `${name}: ${(e as Error).message}`);
      }
    }
  }
  return 'info';
}

/**
 * The `logger` slot with pino: one pino logger per thread, whose every line carries `node`,
 * `shard` (`"main"` on the main thread), and, while a message is handled, `actor`, `msg_id`,
 * `trace_id` and `span_id` (from the active OpenTelemetry span, else from the envelope's
 * `traceparent`). Authorization headers and secret keys are redacted (`[Redacted]`).
 *
 * The level is validated now, so a bad `SHN_LOG_LEVEL` fails at construction.
 * @throws ShnError `INVALID_ARGUMENT` for a bad level (option or environment) or redact path list.
 */
export function createPinoLoggerFactory(options: PinoLoggerOptions = {}): LoggerFactory {
  if (typeof options !== 'object' || options === null) throw new ShnError('INVALID_ARGUMENT', 'logger options must be an object');
  const level = resolveLevel(options);
  const extra = options.redact ?? [];
  if (!Array.isArray(extra) || extra.some((p) => typeof p !== 'string' || p.length === 0)) {
    throw new ShnError('INVALID_ARGUMENT', 'logger redact must be an array of non-empty pino paths');
  }
  const clock = options.clock ?? systemClock;
  const scope = options.scope;
  return (ctx: SlotContext): Logger => {
    const base = { node: ctx.node, shard: ctx.shard < 0 ? 'main' : ctx.shard };
    const p = pino(
      {
        level,
        base,
        redact: { paths: [...DEFAULT_REDACT_PATHS, ...extra] },
        timestamp: () => `,"time":${clock.now()}`,
        mixin(_merge: object, _level: number, logger: PinoLogger): object {
          const out: Record<string, string> = {};
          const env = scope?.current;
          if (env !== undefined) {
            out['msg_id'] = env.id;
            if (!('actor' in logger.bindings())) out['actor'] = env.to.actor;
          }
          const sc = trace.getActiveSpan()?.spanContext();
          if (sc !== undefined && trace.isSpanContextValid(sc)) {
            out['trace_id'] = sc.traceId;
            out['span_id'] = sc.spanId;
          } else if (env !== undefined) {
            const tp = parseTraceparent(env.headers[HEADERS.traceparent]);
            if (tp !== undefined) {
              out['trace_id'] = tp.traceId;
              out['span_id'] = tp.spanId;
            }
          }
          return out;
        },
      },
      options.destination ?? pino.destination({ fd: 1, sync: true }),
    );
    return adaptPino(p);
  };
}
