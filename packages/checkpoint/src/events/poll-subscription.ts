import { ShnError, systemTimer, toShnError } from '@shn/core';
import type { Timer, TimerHandle } from '@shn/core';
import type { EventStore, RecordedEvent, SubscribeOptions, Subscription } from './event-store.js';

/** Wakes idle subscriptions after an append through the same store object. */
export class AppendSignal {
  readonly #waiters = new Set<() => void>();

  /** Registers a one-shot wake-up. */
  wait(fn: () => void): () => void {
    this.#waiters.add(fn);
    return () => this.#waiters.delete(fn);
  }

  /** Wakes every waiter. */
  notify(): void {
    const all = [...this.#waiters];
    this.#waiters.clear();
    for (const f of all) f();
  }
}

/**
 * A subscription built on `readAll`: reads batches after its position, hands each event to the
 * handler (awaited, one at a time), and when idle waits for an append signal or `pollMs`.
 */
export function pollSubscription(
  store: Pick<EventStore, 'readAll'>,
  signal: AppendSignal,
  handler: (event: RecordedEvent) => void | Promise<void>,
  options: SubscribeOptions = {},
  timer: Timer = systemTimer,
): Subscription {
  const pollMs = options.pollMs ?? 50;
  const batch = options.batch ?? 500;
  if (!(pollMs > 0) || !Number.isSafeInteger(batch) || batch < 1) throw new ShnError('INVALID_ARGUMENT', 'pollMs must be > 0 and batch an integer >= 1');
  let position = options.after ?? 0;
  let closed = false;
  let wake: (() => void) | undefined;
  const caught: { at: number; resolve: () => void }[] = [];
  const settle = (): void => {
    for (let i = caught.length - 1; i >= 0; i--) {
      const c = caught[i] as { at: number; resolve: () => void };
      if (position >= c.at || closed) {
        caught.splice(i, 1);
        c.resolve();
      }
    }
  };
  const loop = (async () => {
    while (!closed) {
      let events: RecordedEvent[];
      try {
        events = await store.readAll({ after: position, maxCount: batch });
        for (const e of events) {
          if (closed) return;
          await handler(e);
          position = e.position;
          settle();
        }
      } catch (e) {
        closed = true;
        settle();
        options.onError?.(toShnError(e));
        return;
      }
      if (events.length < batch && !closed) {
        await new Promise<void>((resolve) => {
          const handles: { t?: TimerHandle; cancel?: () => void } = {};
          const done = (): void => {
            handles.cancel?.();
            if (handles.t !== undefined) timer.clearTimeout(handles.t);
            wake = undefined;
            resolve();
          };
          handles.cancel = signal.wait(done);
          handles.t = timer.setTimeout(done, pollMs);
          wake = done;
        });
      }
    }
  })();
  return {
    get position() {
      return position;
    },
    async close() {
      closed = true;
      wake?.();
      await loop;
      settle();
    },
    caughtUp(at: number) {
      if (position >= at) return Promise.resolve();
      return new Promise<void>((resolve) => caught.push({ at, resolve }));
    },
  };
}
