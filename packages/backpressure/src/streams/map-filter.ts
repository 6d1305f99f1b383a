import { toShnError } from '@shn/core';
import type { CreditPublisher, CreditSubscriber, CreditSubscription } from './subscriber.js';

/** `map`: one output per input; downstream demand passes upstream unchanged. @internal */
export function mapOperator<T, U>(source: CreditPublisher<T>, fn: (item: T) => U) {
  return (down: CreditSubscriber<U>): CreditSubscription => {
    let failed = false;
    const up: CreditSubscription = source.subscribe({
      onNext(item) {
        if (failed) return;
        let out: U;
        try {
          out = fn(item);
        } catch (e) {
          failed = true;
          up.cancel();
          down.onError(toShnError(e));
          return;
        }
        down.onNext(out);
      },
      onError: (e) => down.onError(e),
      onComplete: () => down.onComplete(),
    });
    return up;
  };
}

/**
 * `filter`: downstream demand passes upstream; each item the predicate rejects is replaced by a
 * request of one more, so upstream demand never exceeds downstream demand. @internal
 */
export function filterOperator<T>(source: CreditPublisher<T>, predicate: (item: T) => boolean) {
  return (down: CreditSubscriber<T>): CreditSubscription => {
    let failed = false;
    const up: CreditSubscription = source.subscribe({
      onNext(item) {
        if (failed) return;
        let keep: boolean;
        try {
          keep = predicate(item);
        } catch (e) {
          failed = true;
          up.cancel();
          down.onError(toShnError(e));
          return;
        }
        if (keep) down.onNext(item);
        else up.request(1);
      },
      onError: (e) => down.onError(e),
      onComplete: () => down.onComplete(),
    });
    return up;
  };
}
