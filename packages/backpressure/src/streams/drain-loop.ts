/**
 * Runs `work` until it reports no progress, never re-entrantly: a call made while it runs (a
 * `request` from inside `onNext`) just asks for another round. Bounds recursion between
 * producer and consumer (Reactive Streams rule 3.3).
 * @internal
 */
export class DrainLoop {
  #running = false;
  #again = false;

  constructor(private readonly work: () => void) {}

  run(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      do {
        this.#again = false;
        this.work();
      } while (this.#again);
    } finally {
      this.#running = false;
    }
  }
}
