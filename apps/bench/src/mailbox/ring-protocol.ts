/** What the ring contender hands its worker: the shared buffers of both rings and doorbells. */
export interface RingWorkerData {
  /** main → worker ring and the worker's doorbell. */
  readonly inRing: SharedArrayBuffer;
  readonly inBell: SharedArrayBuffer;
  /** worker → main ring (echoes) and the main thread's doorbell. */
  readonly outRing: SharedArrayBuffer;
  readonly outBell: SharedArrayBuffer;
  /** `hasData()` checks before parking on the doorbell; undefined = the Doorbell's default. */
  readonly spins: number | undefined;
}

/** The worker's answer to a FRAME_SYNC (sent with parentPort.postMessage, off the hot path). */
export interface RingSyncReply {
  readonly type: 'synced';
  readonly count: number;
  /** Sum of decoded key and value lengths, so decoding cannot be optimised away. */
  readonly checksum: number;
}
