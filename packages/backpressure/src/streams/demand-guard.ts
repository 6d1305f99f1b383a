import { ShnError, toShnError } from '@shn/core';
import type { CreditSubscriber, CreditSubscription, SubscribeFn } from './subscriber.js';

/**
 * Enforces Reactive Streams' rules on one subscription: validates every `request(n)`, counts
 * outstanding demand, refuses (with `PROTOCOL_ERROR`, cancelling upstream) an item the
 * subscriber did not ask for, and lets at most one terminal signal through. Every hop of a
 * {@link CreditStream} goes through one, so no stage ever delivers more than was requested.
 * @internal
 */
export function guardedSubscribe<T>(subscribe: SubscribeFn<T>, downstream: CreditSubscriber<T>): CreditSubscription {
  let outstanding = 0;
  let done = false;
  let upstream: CreditSubscription | undefined;
  let pendingCancel = false;
  const terminate = (): boolean => {
    if (done) return false;
    done = true;
    return true;
  };
  const cancelUp = () => {
    if (upstream === undefined) pendingCancel = true;
    else upstream.cancel();
  };
  const guard: CreditSubscriber<T> = {
    onNext(item: T) {
      if (done) return;
      if (outstanding <= 0) {
        terminate();
        cancelUp();
        downstream.onError(new ShnError('PROTOCOL_ERROR', 'a stream delivered an item nobody requested (demand exhausted)'));
        return;
      }
      if (outstanding < Number.MAX_SAFE_INTEGER) outstanding--;
      try {
        downstream.onNext(item);
      } catch (e) {
        if (terminate()) {
          cancelUp();
          downstream.onError(toShnError(e));
        }
      }
    },
    onError(error: ShnError) {
      if (terminate()) downstream.onError(toShnError(error));
    },
    onComplete() {
      if (terminate()) downstream.onComplete();
    },
  };
  try {
    upstream = subscribe(guard);
  } catch (e) {
    if (terminate()) downstream.onError(toShnError(e));
    return { request() {}, cancel() {} };
  }
  if (pendingCancel) upstream.cancel();
  const up = upstream;
  return {
    request(n: number) {
      if (done) return;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) {
        terminate();
        up.cancel();
        downstream.onError(new ShnError('INVALID_ARGUMENT', `request(n) needs a positive safe integer, got ${String(n)} (Reactive Streams rule 3.9)`));
        return;
      }
      outstanding = Math.min(Number.MAX_SAFE_INTEGER, outstanding + n);
      up.request(n);
    },
    cancel() {
      if (done) return;
      done = true;
      up.cancel();
    },
  };
}
