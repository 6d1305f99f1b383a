/**
 * An unbounded FIFO with amortised O(1) push, shift and pop from the back (a growable ring).
 * @internal
 */
export class FifoBuffer<T> {
  #buf: (T | undefined)[] = new Array<T | undefined>(16);
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#size) & (this.#buf.length - 1)] = item;
    this.#size++;
  }

  /** The oldest item, or undefined. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#buf[this.#head];
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#buf.length - 1);
    this.#size--;
    return item;
  }

  /** Removes and returns the newest item. */
  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    const at = (this.#head + this.#size - 1) & (this.#buf.length - 1);
    const item = this.#buf[at];
    this.#buf[at] = undefined;
    this.#size--;
    return item;
  }

  #grow(): void {
    const next = new Array<T | undefined>(this.#buf.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = this.#buf[(this.#head + i) & (this.#buf.length - 1)];
    this.#buf = next;
    this.#head = 0;
  }
}
