import { ShnError } from '@shn/core';

/** An event to append. `data` and `metadata` must survive `JSON.stringify`/`JSON.parse`. */
export interface NewEvent {
  /** Event type, 1..256 chars. */
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** The schema version of `data` (default 1), for upcasters. */
  readonly schemaVersion?: number;
}

/** A stored event. */
export interface RecordedEvent {
  readonly stream: string;
  /** Position in its stream: 1, 2, ... */
  readonly version: number;
  /** Position in the whole store: increasing in commit order (gaps allowed). */
  readonly position: number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly schemaVersion: number;
  /** Epoch ms from the store's clock. */
  readonly recordedAt: number;
}

/**
 * The optimistic-concurrency check of an append: the stream's current version (0 = no events),
 * `no-stream` (same as 0), or `any` (no check).
 */
export type ExpectedVersion = number | 'any' | 'no-stream';

/** What an append wrote. */
export interface AppendResult {
  /** The stream's version after the append. */
  readonly version: number;
  /** The global position of the last event written. */
  readonly position: number;
  readonly events: readonly RecordedEvent[];
}

/** A live subscription to all streams. */
export interface Subscription {
  /** The position of the last event handed to the handler. */
  readonly position: number;
  /** Stops after the event being handled; resolves when stopped. */
  close(): Promise<void>;
  /** Resolves once the handler has seen every event up to `position` (inclusive). */
  caughtUp(position: number): Promise<void>;
}

/** Options of {@link EventStore.subscribe}. */
export interface SubscribeOptions {
  /** Deliver events with a position greater than this (default 0: everything). */
  readonly after?: number;
  /** Poll interval when idle, ms (default 50); appends through the same store object wake it at once. */
  readonly pollMs?: number;
  /** Events read per batch (default 500). */
  readonly batch?: number;
  /** Called when the handler throws or reading fails; the subscription stops. */
  readonly onError?: (error: ShnError) => void;
}

/**
 * An event store: streams of events with optimistic concurrency, and one global order.
 * Every backend (memory, SQLite, PostgreSQL) passes the same conformance suite.
 */
export interface EventStore {
  /**
   * Appends `events` to `stream` atomically if its version matches `expectedVersion`.
   * @throws {@link ConcurrencyError} (`CONCURRENCY_CONFLICT`) on a mismatch; nothing is written.
   * @throws ShnError `INVALID_ARGUMENT` for a bad stream, events or expected version; `STORE_FAILED` on I/O errors.
   */
  append(stream: string, events: readonly NewEvent[], options: { readonly expectedVersion: ExpectedVersion }): Promise<AppendResult>;
  /** Events of `stream` with version >= `fromVersion` (default 1), at most `maxCount`, in order. */
  readStream(stream: string, options?: { readonly fromVersion?: number; readonly maxCount?: number }): Promise<RecordedEvent[]>;
  /** Events of all streams with position > `after` (default 0), at most `maxCount` (default 1000), in order. */
  readAll(options?: { readonly after?: number; readonly maxCount?: number }): Promise<RecordedEvent[]>;
  /** The current version of `stream` (0 if it has no events). */
  streamVersion(stream: string): Promise<number>;
  /** Calls `handler` for every event after `options.after`, then for every new one, in global order. */
  subscribe(handler: (event: RecordedEvent) => void | Promise<void>, options?: SubscribeOptions): Subscription;
  /** Stops subscriptions and releases connections. */
  close(): Promise<void>;
}

/** The optimistic-concurrency failure of {@link EventStore.append}: code `CONCURRENCY_CONFLICT`. */
export class ConcurrencyError extends ShnError {
  /** The stream appended to. */
  readonly stream: string;
  readonly expected: ExpectedVersion;
  /** The version found. */
  readonly actual: number;

  constructor(stream: string, expected: ExpectedVersion, actual: number) {
    super('CONCURRENCY_CONFLICT', `stream ${JSON.stringify(stream)}: expected version ${String(expected)}, found ${actual}; nothing was written`, {
      details: { stream, expected, actual },
    });
    this.name = 'ConcurrencyError';
    this.stream = stream;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The most events one append takes. */
export const MAX_EVENTS_PER_APPEND = 10_000;

/** @throws ShnError `INVALID_ARGUMENT` unless `stream` is a well-formed string of 1..256 chars without NUL. */
export function assertStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || stream.length === 0 || stream.length > 256 || !(stream as string & { isWellFormed(): boolean }).isWellFormed() || stream.includes('\0')) {
    throw new ShnError('INVALID_ARGUMENT', 'stream name must be a well-formed string of 1..256 chars without NUL');
  }
}

/** A validated, serialised event ready for a backend. */
export interface PreparedEvent {
  readonly type: string;
  readonly dataJson: string;
  readonly metadataJson: string;
  readonly schemaVersion: number;
}

/**
 * Validates an append's arguments and serialises its events.
 * @throws ShnError `INVALID_ARGUMENT` naming the bad argument.
 */
export function prepareAppend(stream: unknown, events: unknown, expectedVersion: unknown): PreparedEvent[] {
  assertStreamName(stream);
  if (!(expectedVersion === 'any' || expectedVersion === 'no-stream' || (Number.isSafeInteger(expectedVersion) && (expectedVersion as number) >= 0))) {
    throw new ShnError('INVALID_ARGUMENT', `expectedVersion must be an integer >= 0, 'any' or 'no-stream', got ${String(expectedVersion)}`);
  }
  if (!Array.isArray(events) || events.length === 0 || events.length > MAX_EVENTS_PER_APPEND) {
    throw new ShnError('INVALID_ARGUMENT', `events must be an array of 1..${MAX_EVENTS_PER_APPEND} events`);
  }
  return events.map((e: unknown, i) => {
    const ev = e as NewEvent;
    if (typeof ev !== 'object' || ev === null || typeof ev.type !== 'string' || ev.type.length === 0 || ev.type.length > 256) {
      throw new ShnError('INVALID_ARGUMENT', `event ${i}: type must be a string of 1..256 chars`);
    }
    const schemaVersion = ev.schemaVersion ?? 1;
    if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1) throw new ShnError('INVALID_ARGUMENT', `event ${i}: schemaVersion must be an integer >= 1`);
    let dataJson: string | undefined;
    let metadataJson: string | undefined;
    try {
      dataJson = JSON.stringify(ev.data ?? null);
      metadataJson = JSON.stringify(ev.metadata ?? {});
    } catch (cause) {
      throw new ShnError('INVALID_ARGUMENT', `event ${i}: data and metadata must be JSON-serialisable: ${(cause as Error).message}`, { cause });
    }
    if (typeof ev.metadata !== 'undefined' && (typeof ev.metadata !== 'object' || ev.metadata === null || Array.isArray(ev.metadata))) {
      throw new ShnError('INVALID_ARGUMENT', `event ${i}: metadata must be a plain object`);
    }
    return { type: ev.type, dataJson: dataJson as string, metadataJson: metadataJson as string, schemaVersion };
  });
}

/** The version an expected version stands for, or undefined for `any`. */
export function expectedNumber(expected: ExpectedVersion): number | undefined {
  return expected === 'any' ? undefined : expected === 'no-stream' ? 0 : expected;
}

/** @throws ShnError `INVALID_ARGUMENT` unless `n` is undefined or a safe integer >= `min`. */
export function checkCount(n: unknown, what: string, min: number): void {
  if (n !== undefined && (!Number.isSafeInteger(n) || (n as number) < min)) throw new ShnError('INVALID_ARGUMENT', `${what} must be an integer >= ${min}, got ${String(n)}`);
}
