/**
 * One way of getting set messages from the main thread to a single worker thread, driven by
 * the mailbox bench. Every operation resolves only once the worker has really received and
 * decoded the messages.
 */
export interface MailboxContender {
  /** Display name, e.g. `postMessage`. */
  readonly subject: string;
  /** Remarks for the results (batching, in-flight counts, how a full buffer is handled). */
  readonly note: string;
  /**
   * Sends `n` messages one-way, then resolves when the worker confirmed it received all of
   * them. Absent for contenders that only do request/response (Piscina).
   */
  oneWay?(n: number): Promise<void>;
  /** Completes `n` round trips keeping `inFlight` outstanding (throughput of request/response). */
  pipelinedRoundTrips?(n: number, inFlight: number): Promise<void>;
  /** One message to the worker and its echo back (one in flight). */
  roundTrip(): Promise<void>;
  /** Stops the worker and frees everything. */
  close(): Promise<void>;
}
