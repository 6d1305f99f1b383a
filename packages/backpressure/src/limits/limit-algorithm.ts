/**
 * An adaptive concurrency limit (Netflix concurrency-limits' `Limit`): it watches completed
 * requests and moves the number of requests allowed in flight.
 */
export interface LimitAlgorithm {
  /** The current limit, requests in flight (an integer >= 1). */
  readonly limit: number;
  /**
   * Records one finished request.
   * @param rttMs - its round trip, ms.
   * @param inflight - requests in flight when it started (itself included).
   * @param didDrop - it failed from overload (timeout, shed, `-BUSY` downstream).
   */
  onSample(rttMs: number, inflight: number, didDrop: boolean): void;
}
