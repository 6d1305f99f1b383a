/** A time-ordered event queue for the simulations (binary heap; ties in insertion order). */
export class EventQueue<E> {
  readonly #heap: { at: number; seq: number; event: E }[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(at: number, event: E): void {
    const h = this.#heap;
    h.push({ at, seq: this.#seq++, event });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(i, p)) break;
      [h[i], h[p]] = [h[p] as (typeof h)[number], h[i] as (typeof h)[number]];
      i = p;
    }
  }

  pop(): { at: number; event: E } | undefined {
    const h = this.#heap;
    if (h.length === 0) return undefined;
    const top = h[0] as (typeof h)[number];
    const last = h.pop() as (typeof h)[number];
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(l, m)) m = l;
        if (r < h.length && this.#less(r, m)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as (typeof h)[number], h[i] as (typeof h)[number]];
        i = m;
      }
    }
    return top;
  }

  #less(a: number, b: number): boolean {
    const x = this.#heap[a] as { at: number; seq: number };
    const y = this.#heap[b] as { at: number; seq: number };
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }
}
