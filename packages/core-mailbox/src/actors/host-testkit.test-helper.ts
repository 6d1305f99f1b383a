// Test support for the actor host tests (not part of the public API; excluded from the package files).
import { ShnError } from '@shn/core';
import type { ActorRef, Clock, Envelope, RuntimeEvent, Timer, TimerHandle } from '@shn/core';
import { ActorHost } from './actor-host.js';
import type { ActorHostOptions } from './actor-host.js';

/** A Clock + Timer on virtual time that a test drives by hand with {@link advance}. */
export class ManualTime implements Clock, Timer {
  #now = 1_000_000;
  #seq = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }
  monotonic(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return { id } as TimerHandle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete((handle as { id: number }).id);
  }
  /** Timers still pending. */
  get pending(): number {
    return this.#timers.size;
  }
  /** Moves time forward by `ms`, firing due timers in time order (each at its own time). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let nextId = -1;
      let nextAt = Infinity;
      for (const [id, t] of this.#timers) {
        if (t.at <= end && t.at < nextAt) {
          nextAt = t.at;
          nextId = id;
        }
      }
      if (nextId < 0) break;
      const t = this.#timers.get(nextId) as { at: number; fn: () => void };
      this.#timers.delete(nextId);
      this.#now = Math.max(this.#now, t.at);
      t.fn();
    }
    this.#now = end;
  }
}

let envSeq = 0;

/** Builds an envelope to `kind/id` on shard 0 of node `n1`. */
export function envelope(actor: string, type: string, body?: unknown, extra: Partial<Envelope> = {}): Envelope {
  return { id: `t${++envSeq}`, to: { node: 'n1', shard: 0, actor }, type, body, headers: {}, ...extra };
}

/** A ref whose calls must never happen in these tests (the runtime's refFor is not under test). */
export function unusedRef(kind: string, id: string): ActorRef {
  const fail = (): never => {
    throw new ShnError('UNSUPPORTED', `refFor(${kind}, ${id}) is not available in this test`);
  };
  return { address: { node: 'n1', shard: -1, actor: `${kind}/${id}` }, tell: fail, ask: fail };
}

/** A host on node n1 / shard 0 that records its events. */
export function testHost(options: Partial<ActorHostOptions> & Pick<ActorHostOptions, 'kinds'>): {
  host: ActorHost;
  events: RuntimeEvent[];
  escalations: { actor: string; error: ShnError }[];
  /** Resolves with the first event (already seen or future) matching `pred`. */
  waitFor(pred: (e: RuntimeEvent) => boolean): Promise<RuntimeEvent>;
  /** Resolves once `actor` has emitted 'actor-stopped' (counting from now). */
  stopped(actor: string): Promise<RuntimeEvent>;
} {
  const events: RuntimeEvent[] = [];
  const escalations: { actor: string; error: ShnError }[] = [];
  const waiters: { pred: (e: RuntimeEvent) => boolean; resolve: (e: RuntimeEvent) => void }[] = [];
  const host = new ActorHost({
    node: 'n1',
    shard: 0,
    refFor: unusedRef,
    onEvent: (e) => {
      events.push(e);
      for (let i = waiters.length - 1; i >= 0; i--) {
        const w = waiters[i];
        if (w !== undefined && w.pred(e)) {
          waiters.splice(i, 1);
          w.resolve(e);
        }
      }
    },
    onEscalate: (actor, error) => escalations.push({ actor, error }),
    ...options,
  });
  const waitFor = (pred: (e: RuntimeEvent) => boolean, from = 0): Promise<RuntimeEvent> => {
    const seen = events.slice(from).find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => waiters.push({ pred, resolve }));
  };
  const stopped = (actor: string): Promise<RuntimeEvent> =>
    waitFor((e) => e.type === 'actor-stopped' && e.actor === actor, events.length);
  return { host, events, escalations, waitFor: (pred) => waitFor(pred), stopped };
}

/** Asks through `host.deliver`; rejects with the reply error, or with MAILBOX_FULL / RUNTIME_CLOSED. */
export function ask<R = unknown>(host: ActorHost, actor: string, type: string, body?: unknown, extra: Partial<Envelope> = {}): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const r = host.deliver(envelope(actor, type, body, extra), (error, result) =>
      error === undefined ? resolve(result as R) : reject(error),
    );
    if (r !== 'accepted') reject(new ShnError(r === 'full' ? 'MAILBOX_FULL' : 'RUNTIME_CLOSED', r));
  });
}

/** Tells through `host.deliver`, expecting it to be accepted. */
export function tell(host: ActorHost, actor: string, type: string, body?: unknown): void {
  const r = host.deliver(envelope(actor, type, body));
  if (r !== 'accepted') throw new Error(`tell ${type} to ${actor}: ${r}`);
}

/** Captures the rejection of `p` (fails the test if it resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<ShnError> {
  try {
    await p;
  } catch (e) {
    return e as ShnError;
  }
  throw new Error('expected a rejection');
}

/** A promise plus its resolver, for actors that must wait on the test. */
export function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}
