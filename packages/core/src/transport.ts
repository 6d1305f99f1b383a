/** Moves encoded frames between nodes. Frames arrive whole, in order per peer, or not at all. */
export interface Transport {
  /** This end's node name. */
  readonly node: string;
  /** Sends one frame to `peer`. Rejects with `TRANSPORT_FAILED` if the transport is closed or the peer unknown. */
  send(peer: string, frame: Uint8Array): Promise<void>;
  /** Registers the frame handler; returns a function that unregisters it. */
  onFrame(handler: (from: string, frame: Uint8Array) => void): () => void;
  /** Closes the transport; later sends reject. Idempotent. */
  close(): Promise<void>;
}
