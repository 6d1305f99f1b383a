import type { Envelope, ShnError } from '@shn/core';

/**
 * How an ask's outcome is reported: exactly once, with an error or with the result, plus the
 * envelope it answers (so one shared function can serve every message without a closure each).
 */
export type ReplyFn = (error: ShnError | undefined, result: unknown, env: Envelope) => void;

/**
 * An ask waiting in a mailbox: the envelope plus its reply callback. Tells are queued as bare
 * envelopes, so only asks pay for this wrapper.
 */
export class QueuedAsk {
  constructor(
    /** The request. */
    readonly env: Envelope,
    /** Called once with the outcome. */
    readonly reply: ReplyFn,
  ) {}
}

/** What an actor mailbox holds: a tell (bare envelope) or an ask. */
export type MailboxItem = Envelope | QueuedAsk;
