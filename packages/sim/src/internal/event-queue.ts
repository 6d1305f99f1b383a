/** One scheduled event: runs `fire` at virtual time `time`; ties broken by `seq` (scheduling order). */
export interface QueuedEvent {
  readonly time: number;
  readonly seq: number;
  cancelled: boolean;
  readonly fire: () => void;
}

/**
 * A binary min-heap of events ordered by `(time, seq)`. Because `seq` grows with every
 * insertion, two events at the same virtual time always run in the order they were scheduled,
 * which is what makes a simulation deterministic.
 * @internal
 */
export class EventQueue {
  readonly #heap: QueuedEvent[] = [];

  /** Number of queued events (cancelled ones included until they surface). */
  get size(): number {
    return this.#heap.length;
  }

  /** Adds an event. */
  push(e: QueuedEvent): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  /** The earliest live event without removing it (cancelled heads are discarded). */
  peek(): QueuedEvent | undefined {
    while (this.#heap.length > 0 && this.#heap[0]!.cancelled) this.#pop();
    return this.#heap[0];
  }

  /** Removes and returns the earliest live event. */
  pop(): QueuedEvent | undefined {
    return this.peek() === undefined ? undefined : this.#pop();
  }

  #pop(): QueuedEvent {
    const h = this.#heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
