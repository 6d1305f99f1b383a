import { DrainLoop } from './drain-loop.js';
import type { CreditPublisher, CreditSubscriber, CreditSubscription } from './subscriber.js';

/**
 * `merge`: items of every source as they come. Each source may be asked for up to the unmet
 * downstream demand, so at most `sources x demand` items are ever buffered and downstream
 * gets no more than it requested. Completes when every source has; fails on the first error
 * (cancelling the others). @internal
 */
export function mergeOperator<T>(sources: readonly CreditPublisher<T>[]) {
  return (down: CreditSubscriber<T>): CreditSubscription => {
    let demand = 0;
    const buffer: T[] = [];
    let live = sources.length;
    let done = false;
    const owed = sources.map(() => 0);
    const ended = sources.map(() => false);
    const subs: CreditSubscription[] = [];
    const loop = new DrainLoop(() => {
      while (!done && demand > 0 && buffer.length > 0) {
        demand--;
        down.onNext(buffer.shift() as T);
      }
      if (done) return;
      if (live === 0 && buffer.length === 0) {
        done = true;
        down.onComplete();
        return;
      }
      const unmet = demand - buffer.length;
      for (let i = 0; i < subs.length && unmet > 0; i++) {
        if (ended[i] || (owed[i] as number) >= unmet) continue;
        const more = unmet - (owed[i] as number);
        owed[i] = unmet;
        (subs[i] as CreditSubscription).request(more);
      }
    });
    const cancelAll = () => subs.forEach((s) => s.cancel());
    sources.forEach((source, i) => {
      subs.push(
        source.subscribe({
          onNext(item) {
            if (done) return;
            owed[i] = (owed[i] as number) - 1;
            buffer.push(item);
            loop.run();
          },
          onError(e) {
            if (done) return;
            done = true;
            cancelAll();
            down.onError(e);
          },
          onComplete() {
            if (done || ended[i]) return;
            ended[i] = true;
            live--;
            loop.run();
          },
        }),
      );
    });
    if (sources.length === 0) loop.run();
    return {
      request(n) {
        demand = Math.min(Number.MAX_SAFE_INTEGER, demand + n);
        loop.run();
      },
      cancel() {
        done = true;
        cancelAll();
      },
    };
  };
}

/**
 * `zip`: tuples of one item from each source, in order; a demand of n tuples asks every source
 * for n items, so each buffers at most the demand. Completes when any source has completed and
 * its buffer is empty (cancelling the rest). @internal
 */
export function zipOperator<T extends unknown[]>(sources: readonly CreditPublisher<unknown>[]) {
  return (down: CreditSubscriber<T>): CreditSubscription => {
    const buffers: unknown[][] = sources.map(() => []);
    const ended = sources.map(() => false);
    let done = false;
    const subs: CreditSubscription[] = [];
    const cancelAll = () => subs.forEach((s) => s.cancel());
    const loop = new DrainLoop(() => {
      while (!done && buffers.length > 0 && buffers.every((b) => b.length > 0)) down.onNext(buffers.map((b) => b.shift()) as T);
      if (!done && (buffers.length === 0 || buffers.some((b, i) => ended[i] && b.length === 0))) {
        done = true;
        cancelAll();
        down.onComplete();
      }
    });
    sources.forEach((source, i) => {
      subs.push(
        source.subscribe({
          onNext(item) {
            if (done) return;
            (buffers[i] as unknown[]).push(item);
            loop.run();
          },
          onError(e) {
            if (done) return;
            done = true;
            cancelAll();
            down.onError(e);
          },
          onComplete() {
            ended[i] = true;
            loop.run();
          },
        }),
      );
    });
    if (sources.length === 0) loop.run();
    return {
      request(n) {
        if (done) return;
        for (const s of subs) s.request(n);
      },
      cancel() {
        done = true;
        cancelAll();
      },
    };
  };
}
