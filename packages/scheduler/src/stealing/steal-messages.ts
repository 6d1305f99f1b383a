/** An idle shard asking a busy one for work. Plain data: carry it over the rings as a message body. */
export interface StealRequest {
  readonly type: 'steal-request';
  /** The idle shard asking. */
  readonly thief: number;
  /** The shard asked. */
  readonly victim: number;
  /** Matches the reply to the request (per thief). */
  readonly id: number;
}

/** The answer to a {@link StealRequest}: the tasks handed over (possibly none). */
export interface StealReply<T> {
  readonly type: 'steal-reply';
  readonly thief: number;
  readonly victim: number;
  readonly id: number;
  /** Stealable tasks only, oldest first; the thief now owns them. */
  readonly tasks: readonly T[];
}
