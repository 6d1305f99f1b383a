import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { ShnError } from '@shn/core';
import type { MailboxContender } from './contender.js';
import { Doorbell, SpscRing } from '@shn/core-mailbox';
import type { RingSyncReply, RingWorkerData } from './ring-protocol.js';
import { FRAME_SET, FRAME_SET_ECHO, FRAME_SYNC, SET_FRAME_HEADER_BYTES, SetFrameReader, SetFrameWriter, writeControlFrame } from './set-frame.js';
import { poolMask } from './set-message.js';
import type { SetMessage } from './set-message.js';

/** Options of the ring contender. */
export interface RingContenderOptions {
  /** Data bytes per ring (power of two). */
  readonly capacity: number;
  /** Frames written between two publish + doorbell rings. */
  readonly publishEvery: number;
  /**
   * `hasData()` checks each side makes before parking on its doorbell (worker and main thread);
   * undefined = the Doorbell's default (a short spin, then Atomics.waitAsync).
   */
  readonly spins?: number | undefined;
  /** Display name; default `shn ring`. */
  readonly subject?: string;
}

/**
 * The shn path: the main thread encodes each message straight into an SpscRing (reserve,
 * one 32-bit header word with the type interned to an id, ASCII strings stored four characters per 32-bit word straight into the ring, commit of the bytes written), publishing and ringing the worker's
 * Doorbell once per `publishEvery` frames; the worker decodes with one native Buffer Latin-1 call for ASCII frames (UTF-8 otherwise). When the ring
 * is full the producer publishes, rings and SPINS on reserve (busy-retry on the main thread;
 * the consumer drains on its own core). Round trips go back through a second ring, the main
 * thread waiting on its own Doorbell (spin then Atomics.waitAsync). Rejects with ShnError
 * PROTOCOL_ERROR if the worker's count or an echo is wrong, INTERNAL if the worker dies.
 */
export async function startRingContender(messages: readonly SetMessage[], options: RingContenderOptions): Promise<MailboxContender & { readonly fullSpins: number }> {
  const toWorker = SpscRing.create(options.capacity);
  const workerBell = Doorbell.create();
  const fromWorker = SpscRing.create(options.capacity);
  const mainBell = Doorbell.create();
  const data: RingWorkerData = { inRing: toWorker.buffer, inBell: workerBell.buffer, outRing: fromWorker.buffer, outBell: mainBell.buffer, spins: options.spins };
  const waitOptions = options.spins === undefined ? {} : { spins: options.spins };
  const worker = new Worker(new URL('./ring-worker.js', import.meta.url), { workerData: data });
  let failure: Error | undefined;
  let pendingSync: { resolve: (r: RingSyncReply) => void; reject: (e: Error) => void } | undefined;
  const fail = (e: Error) => {
    failure ??= e;
    mainBell.wake();
    pendingSync?.reject(failure);
    pendingSync = undefined;
  };
  worker.on('error', (e) => fail(new ShnError('INTERNAL', 'ring worker failed', { cause: e })));
  worker.on('exit', (code) => fail(new ShnError('INTERNAL', `ring worker exited (${code})`)));
  worker.on('message', (m: RingSyncReply | 'ready') => {
    if (m === 'ready') return;
    const p = pendingSync;
    pendingSync = undefined;
    p?.resolve(m);
  });
  await once(worker, 'message');

  const mask = poolMask(messages);
  const writer = new SetFrameWriter();
  const reader = new SetFrameReader();
  let cursor = 0;
  let sent = 0;
  let fullSpins = 0;
  const hasReply = () => fromWorker.hasData();

  /** reserve, spinning (publish + ring between tries) while the ring is full. */
  const reserve = (len: number): number => {
    let at = toWorker.reserve(len);
    while (at === -1) {
      toWorker.publish();
      workerBell.ring();
      fullSpins++;
      if (failure !== undefined) throw failure;
      at = toWorker.reserve(len);
    }
    return at;
  };
  const encode = (kind: number, msg: SetMessage) => {
    const at = reserve(writer.maxLength(msg));
    toWorker.commit(writer.write(toWorker.bytes, toWorker.view, at, kind, msg));
  };
  const flush = () => {
    toWorker.publish();
    workerBell.ring();
  };

  return {
    subject: options.subject ?? 'shn ring',
    note: `SpscRing ${options.capacity} B, publish + doorbell every ${options.publishEvery} frames; ${options.spins === undefined ? 'default doorbell spins' : `${options.spins} spins before parking`}; full ring: producer publishes, rings and spins on reserve`,
    get fullSpins() {
      return fullSpins;
    },
    async oneWay(n) {
      const every = options.publishEvery;
      for (let i = 0; i < n; i++) {
        encode(FRAME_SET, messages[cursor++ & mask] as SetMessage);
        if ((i + 1) % every === 0) flush();
      }
      sent += n;
      const reply = new Promise<RingSyncReply>((resolve, reject) => {
        if (failure !== undefined) reject(failure);
        else pendingSync = { resolve, reject };
      });
      writeControlFrame(toWorker.view, reserve(SET_FRAME_HEADER_BYTES), FRAME_SYNC);
      toWorker.commit();
      flush();
      const r = await reply;
      if (r.count !== sent) throw new ShnError('PROTOCOL_ERROR', `ring worker counted ${r.count} of ${sent} messages`);
    },
    async roundTrip() {
      const msg = messages[cursor++ & mask] as SetMessage;
      encode(FRAME_SET_ECHO, msg);
      flush();
      sent++;
      let off = fromWorker.peek();
      while (off === -1) {
        await mainBell.wait(hasReply, waitOptions);
        if (failure !== undefined) throw failure;
        off = fromWorker.peek();
      }
      const back = reader.read(fromWorker.bytes, fromWorker.view, off, fromWorker.frameLength);
      fromWorker.consume();
      fromWorker.release();
      if (back.key !== msg.key) throw new ShnError('PROTOCOL_ERROR', 'ring echo does not match the message sent');
    },
    async close() {
      await worker.terminate();
    },
  } satisfies MailboxContender & { readonly fullSpins: number };
}
