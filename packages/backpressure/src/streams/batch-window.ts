import type { CreditPublisher, CreditSubscriber, CreditSubscription } from './subscriber.js';

const cap = (n: number) => Math.min(Number.MAX_SAFE_INTEGER, n);

/**
 * `batch(size)`: arrays of `size` items (the last one may be shorter); a demand of n batches
 * asks upstream for n * size items. @internal
 */
export function batchOperator<T>(source: CreditPublisher<T>, size: number) {
  return (down: CreditSubscriber<T[]>): CreditSubscription => {
    let buf: T[] = [];
    const up = source.subscribe({
      onNext(item) {
        buf.push(item);
        if (buf.length === size) {
          const out = buf;
          buf = [];
          down.onNext(out);
        }
      },
      onError: (e) => down.onError(e),
      onComplete() {
        if (buf.length > 0) down.onNext(buf);
        buf = [];
        down.onComplete();
      },
    });
    return { request: (n) => up.request(cap(n * size)), cancel: () => up.cancel() };
  };
}

/**
 * `window(size, step)`: sliding windows (arrays) of `size` items starting every `step` items
 * (step = size: tumbling; step < size: overlapping; step > size: sampled). A demand of n more
 * windows asks upstream for exactly the items they need. Only full windows are emitted.
 * @internal
 */
export function windowOperator<T>(source: CreditPublisher<T>, size: number, step: number) {
  return (down: CreditSubscriber<T[]>): CreditSubscription => {
    const recent: T[] = [];
    let index = 0; // items received
    let windows = 0; // windows requested so far
    let asked = 0; // items requested upstream so far
    const up = source.subscribe({
      onNext(item) {
        recent.push(item);
        if (recent.length > size) recent.shift();
        const i = index++;
        if (i >= size - 1 && (i - (size - 1)) % step === 0) down.onNext(recent.slice());
      },
      onError: (e) => down.onError(e),
      onComplete: () => down.onComplete(),
    });
    return {
      request(n) {
        windows = cap(windows + n);
        const need = cap((windows - 1) * step + size);
        if (need > asked) {
          const more = need - asked;
          asked = need;
          up.request(more);
        }
      },
      cancel: () => up.cancel(),
    };
  };
}
