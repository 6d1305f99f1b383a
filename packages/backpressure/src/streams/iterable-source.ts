import { toShnError } from '@shn/core';
import { DrainLoop } from './drain-loop.js';
import type { CreditSubscriber, CreditSubscription } from './subscriber.js';

/**
 * A cold source over a sync or async iterable: pulls the next value only when there is demand,
 * so a lazy generator produces exactly what was requested. A fresh iterator per subscription.
 * @internal
 */
export function iterableSource<T>(iterable: Iterable<T> | AsyncIterable<T>) {
  return (sub: CreditSubscriber<T>): CreditSubscription => {
    let demand = 0;
    let done = false;
    const isAsync = typeof (iterable as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
    let syncIt: Iterator<T> | undefined;
    let asyncIt: AsyncIterator<T> | undefined;
    try {
      if (isAsync) asyncIt = (iterable as AsyncIterable<T>)[Symbol.asyncIterator]();
      else syncIt = (iterable as Iterable<T>)[Symbol.iterator]();
    } catch (e) {
      done = true;
      sub.onError(toShnError(e));
    }
    const fail = (e: unknown) => {
      if (done) return;
      done = true;
      sub.onError(toShnError(e));
    };
    const syncLoop = new DrainLoop(() => {
      while (!done && demand > 0) {
        let r: IteratorResult<T>;
        try {
          r = (syncIt as Iterator<T>).next();
        } catch (e) {
          fail(e);
          return;
        }
        if (r.done === true) {
          done = true;
          sub.onComplete();
          return;
        }
        demand--;
        sub.onNext(r.value);
      }
    });
    let pumping = false;
    const pump = async () => {
      if (pumping) return;
      pumping = true;
      try {
        while (!done && demand > 0) {
          const r = await (asyncIt as AsyncIterator<T>).next();
          if (done) return;
          if (r.done === true) {
            done = true;
            sub.onComplete();
            return;
          }
          demand--;
          sub.onNext(r.value);
        }
      } catch (e) {
        fail(e);
      } finally {
        pumping = false;
      }
    };
    return {
      request(n: number) {
        if (done) return;
        demand = Math.min(Number.MAX_SAFE_INTEGER, demand + n);
        if (isAsync) void pump();
        else syncLoop.run();
      },
      cancel() {
        if (done) return;
        done = true;
        try {
          void (isAsync ? asyncIt?.return?.() : syncIt?.return?.());
        } catch {
          // a throwing return() has nothing left to tell anyone: the stream is cancelled
        }
      },
    };
  };
}
