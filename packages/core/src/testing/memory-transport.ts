import { ShnError } from '../errors.js';
import type { Transport } from '../transport.js';

/** Options of {@link memoryTransportPair}. */
export interface MemoryTransportOptions {
  /** The two node names; default `['a', 'b']`. Must differ. */
  readonly nodes?: readonly [string, string];
  /** Called with whatever a frame handler throws; default: the error is ignored. */
  readonly onHandlerError?: (error: unknown) => void;
}

type FrameHandler = (from: string, frame: Uint8Array) => void;

/** One end of an in-memory link. */
class MemoryTransport implements Transport {
  readonly node: string;
  peer: MemoryTransport | undefined;
  readonly #handlers = new Set<FrameHandler>();
  readonly #onHandlerError: (error: unknown) => void;
  #closed = false;

  constructor(node: string, onHandlerError: (error: unknown) => void) {
    this.node = node;
    this.#onHandlerError = onHandlerError;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(peer: string, frame: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new ShnError('TRANSPORT_FAILED', `transport ${this.node} is closed`));
    if (typeof peer !== 'string' || this.peer === undefined || peer !== this.peer.node) {
      return Promise.reject(new ShnError('TRANSPORT_FAILED', `unknown peer ${JSON.stringify(peer)} (this link reaches ${this.peer?.node ?? 'nobody'})`));
    }
    if (!(frame instanceof Uint8Array)) {
      return Promise.reject(new ShnError('INVALID_ARGUMENT', 'frame must be a Uint8Array'));
    }
    const target = this.peer;
    if (target.closed) return Promise.reject(new ShnError('TRANSPORT_FAILED', `peer ${peer} is closed`));
    const copy = frame.slice(); // the sender may reuse its buffer as soon as send resolves
    const from = this.node;
    // Microtasks run in FIFO order, so frames from one sender arrive in send order.
    queueMicrotask(() => target.#deliver(from, copy));
    return Promise.resolve();
  }

  #deliver(from: string, frame: Uint8Array): void {
    if (this.#closed) return;
    for (const handler of [...this.#handlers]) {
      if (!this.#handlers.has(handler)) continue; // unregistered by an earlier handler
      try {
        handler(from, frame);
      } catch (error) {
        this.#onHandlerError(error);
      }
    }
  }

  onFrame(handler: FrameHandler): () => void {
    if (typeof handler !== 'function') throw new ShnError('INVALID_ARGUMENT', 'frame handler must be a function');
    const entry: FrameHandler = (from, frame) => handler(from, frame);
    this.#handlers.add(entry);
    return () => {
      this.#handlers.delete(entry);
    };
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#handlers.clear();
    return Promise.resolve();
  }
}

/**
 * Two {@link Transport}s linked in memory, for tests: `a.send(b.node, frame)` delivers a
 * copy of `frame` to every handler registered on `b` (and vice versa), asynchronously
 * (on a microtask), in send order. No timers, no I/O, deterministic.
 *
 * Semantics: a frame that arrives while the receiver has no handler is dropped (like a
 * datagram nobody listens for); frames already in flight when the receiver closes are
 * dropped; several handlers may be registered and each gets every frame. A handler that
 * throws does not stop delivery; its error goes to `options.onHandlerError`.
 *
 * `send` rejects with `TRANSPORT_FAILED` when this end or the peer is closed, or when
 * `peer` is not the other end's node name; with `INVALID_ARGUMENT` for a non-Uint8Array
 * frame. `close()` is idempotent.
 *
 * @throws ShnError `INVALID_ARGUMENT` if the two node names are not distinct non-empty strings.
 */
export function memoryTransportPair(options: MemoryTransportOptions = {}): [Transport, Transport] {
  const [na, nb] = options.nodes ?? ['a', 'b'];
  if (typeof na !== 'string' || typeof nb !== 'string' || na.length === 0 || nb.length === 0 || na === nb) {
    throw new ShnError('INVALID_ARGUMENT', `memoryTransportPair needs two distinct non-empty node names, got ${JSON.stringify([na, nb])}`);
  }
  const onHandlerError = options.onHandlerError ?? ((): void => undefined);
  const a = new MemoryTransport(na, onHandlerError);
  const b = new MemoryTransport(nb, onHandlerError);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
