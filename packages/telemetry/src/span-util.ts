import { SpanStatusCode, context } from '@opentelemetry/api';
import type { Context, Span } from '@opentelemetry/api';
import { isShnError, isThenable } from '@shn/core';
import { SEMCONV } from './semconv.js';

/** Records `error` on `span` if it records: an exception event, `error.type` (the ShnError code or the error's name) and status ERROR. */
export function recordError(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const e = error instanceof Error ? error : new Error(String(error));
  span.recordException(e);
  span.setAttribute(SEMCONV.errorType, isShnError(error) ? error.code : e.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}

/**
 * Runs `fn(arg)` with `ctx` active and ends `span` when it returns, throws, or (if it returns a
 * thenable) when that settles. A throw or rejection is recorded on the span and passed on
 * unchanged; returns what `fn` returns.
 */
export function runInSpan<A, T>(span: Span, ctx: Context, fn: (arg: A) => T, arg: A): T {
  let result: T;
  try {
    result = context.with(ctx, fn, undefined, arg);
  } catch (e) {
    recordError(span, e);
    span.end();
    throw e;
  }
  if (isThenable(result)) {
    (result as PromiseLike<unknown>).then(
      () => span.end(),
      (e: unknown) => {
        recordError(span, e);
        span.end();
      },
    );
  } else {
    span.end();
  }
  return result;
}
