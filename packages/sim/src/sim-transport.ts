import { ShnError } from '@shn/core';
import type { Transport } from '@shn/core';
import type { Kernel } from './internal/kernel.js';

/**
 * The core {@link Transport} over the simulated network, so real transport-using code (a Raft
 * node, a replicator) runs under simulation unchanged. Frames are copied on send and on
 * delivery, get the link's delay, and suffer its faults (loss, duplication, reordering,
 * partitions): with the default FIFO links and no loss it meets the Transport contract;
 * with faults it is the unreliable network the code must survive. Created by
 * `SimNode.transport()`; a crash of the node closes it.
 */
export class SimTransport implements Transport {
  /** This end's node name. */
  readonly node: string;
  readonly #kernel: Kernel;
  readonly #nodeUp: () => boolean;
  readonly #onClose: (t: SimTransport) => void;
  readonly #handlers = new Set<(from: string, frame: Uint8Array) => void>();
  #closed = false;

  /** @internal Use `SimNode.transport()`. */
  constructor(node: string, kernel: Kernel, nodeUp: () => boolean, onClose: (t: SimTransport) => void) {
    this.node = node;
    this.#kernel = kernel;
    this.#nodeUp = nodeUp;
    this.#onClose = onClose;
  }

  /** Sends a frame to `peer`. Rejects with `TRANSPORT_FAILED` if closed, the node is down or the peer unknown. */
  async send(peer: string, frame: Uint8Array): Promise<void> {
    if (this.#closed || !this.#nodeUp()) throw new ShnError('TRANSPORT_FAILED', `transport of ${this.node} is closed`);
    if (typeof peer !== 'string' || this.#kernel.node(peer) === undefined) throw new ShnError('TRANSPORT_FAILED', `unknown peer ${JSON.stringify(peer)}`);
    if (!(frame instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'frame must be a Uint8Array');
    this.#kernel.send(this.node, peer, { t: 'frame', frame: frame.slice() }, `frame ${frame.length}B`);
  }

  /** Registers a frame handler; returns a function that unregisters it. */
  onFrame(handler: (from: string, frame: Uint8Array) => void): () => void {
    if (typeof handler !== 'function') throw new ShnError('INVALID_ARGUMENT', 'frame handler must be a function');
    const h = (from: string, frame: Uint8Array): void => handler(from, frame);
    this.#handlers.add(h);
    return () => {
      this.#handlers.delete(h);
    };
  }

  /** Closes this end; later sends reject. Idempotent. */
  async close(): Promise<void> {
    this.kill();
  }

  /** @internal Closes without ceremony (node crash). */
  kill(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    this.#onClose(this);
  }

  /** @internal A frame arrived for this node. */
  receive(from: string, frame: Uint8Array): void {
    if (this.#closed) return;
    for (const h of [...this.#handlers]) {
      try {
        h(from, frame.slice());
      } catch (e) {
        this.#kernel.log('handler-failed', `${this.node} frame from ${from}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}
