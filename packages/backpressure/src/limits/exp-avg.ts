/**
 * Netflix's `ExpAvgMeasurement`: the plain mean of the first `warmup` samples, then an
 * exponential moving average with factor 2 / (window + 1).
 * @internal
 */
export class ExpAvg {
  readonly #factor: number;
  readonly #warmup: number;
  #count = 0;
  #sum = 0;
  #value = 0;

  constructor(window: number, warmup: number) {
    this.#factor = 2 / (window + 1);
    this.#warmup = warmup;
  }

  add(sample: number): number {
    if (this.#count < this.#warmup) {
      this.#count++;
      this.#sum += sample;
      this.#value = this.#sum / this.#count;
    } else {
      this.#value = this.#value * (1 - this.#factor) + sample * this.#factor;
    }
    return this.#value;
  }

  get value(): number {
    return this.#value;
  }

  /** Replaces the value (the long-RTT decay of Gradient2). */
  set(value: number): void {
    this.#value = value;
  }
}
