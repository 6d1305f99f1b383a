/**
 * SharedArrayBuffer rings between threads: the SPSC byte ring, the doorbell that wakes a parked
 * consumer, and the Mailbox adapter over a ring.
 */
export {
  SpscRing,
  ringFrameBytes,
  RING_MAGIC,
  RING_VERSION,
  RING_HEADER_BYTES,
  RING_MIN_CAPACITY,
  RING_MAX_CAPACITY,
  RING_FRAME_HEADER_BYTES,
  RING_WRAP_MARKER,
} from './spsc-ring.js';
export type { ConsumerRecovery } from './spsc-ring.js';
export {
  Doorbell,
  DOORBELL_MAGIC,
  DOORBELL_VERSION,
  DOORBELL_BYTES,
  DOORBELL_DEFAULT_SPINS,
  DOORBELL_DEFAULT_SPIN_MICROS,
} from './doorbell.js';
export type { DoorbellWaitOptions, DoorbellOptions, DoorbellWakeReason } from './doorbell.js';
export { RingMailbox, ringCapacityFor } from './ring-mailbox.js';
export type { RingMailboxOptions } from './ring-mailbox.js';
