/**
 * OpenTelemetry messaging semantic-convention names (v1.27+) used on every shn span, plus
 * the few shn-specific attributes. Kept in one place so spans, tests and the README agree.
 */
export const SEMCONV = Object.freeze({
  /** `messaging.system`: always {@link MESSAGING_SYSTEM}. */
  system: 'messaging.system',
  /** `messaging.operation.name`: `send`, `ask` or `process`. */
  operationName: 'messaging.operation.name',
  /** `messaging.operation.type`: `send` (producer side) or `process` (consumer side). */
  operationType: 'messaging.operation.type',
  /** `messaging.destination.name`: the actor kind (bounded; the id is in `shn.actor`). */
  destinationName: 'messaging.destination.name',
  /** `messaging.destination.partition.id`: the shard index, as a string. */
  partitionId: 'messaging.destination.partition.id',
  /** `messaging.message.id`: the envelope id. */
  messageId: 'messaging.message.id',
  /** `messaging.message.conversation_id`: the ask's correlation id (links a reply to its request). */
  conversationId: 'messaging.message.conversation_id',
  /** `messaging.batch.message_count`: how many messages one operation carries, when it carries several. */
  batchCount: 'messaging.batch.message_count',
  /** `error.type`: a ShnError code, or the error's name. */
  errorType: 'error.type',
  /** `shn.actor`: the full `kind/id` (span attribute only, never a metric label). */
  actor: 'shn.actor',
  /** `shn.message.type`: the envelope's type tag. */
  messageType: 'shn.message.type',
});

/** The value of `messaging.system` on every shn span. */
export const MESSAGING_SYSTEM = 'shn';
