/**
 * Worker side of the shn ring contender: drains the inbound SpscRing (peek, decode with
 * SetFrameReader, consume; release once per batch), echoes FRAME_SET_ECHO frames through the
 * outbound ring, answers FRAME_SYNC with its count over parentPort, and parks on its Doorbell
 * (Atomics.waitAsync) when the ring is empty.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ShnError } from '@shn/core';
import { Doorbell, SpscRing } from '@shn/core-mailbox';
import type { RingSyncReply, RingWorkerData } from './ring-protocol.js';
import { FRAME_SET, FRAME_SET_ECHO, FRAME_SYNC, SetFrameReader, SetFrameWriter, frameKind } from './set-frame.js';

const data = workerData as RingWorkerData;
const inRing = SpscRing.attach(data.inRing);
const inBell = Doorbell.attach(data.inBell);
const outRing = SpscRing.attach(data.outRing);
const outBell = Doorbell.attach(data.outBell);
const reader = new SetFrameReader();
const writer = new SetFrameWriter();
const RELEASE_EVERY = 256;

let count = 0;
let checksum = 0;
const hasData = () => inRing.hasData();
const waitOptions = data.spins === undefined ? {} : { spins: data.spins };

parentPort?.postMessage('ready');
for (;;) {
  let sinceRelease = 0;
  for (let off = inRing.peek(); off !== -1; off = inRing.peek()) {
    const kind = frameKind(inRing.bytes, off);
    if (kind === FRAME_SYNC) {
      inRing.consume();
      const reply: RingSyncReply = { type: 'synced', count, checksum };
      parentPort?.postMessage(reply);
    } else if (kind === FRAME_SET || kind === FRAME_SET_ECHO) {
      const msg = reader.read(inRing.bytes, inRing.view, off, inRing.frameLength);
      count++;
      checksum += msg.key.length + msg.value.length;
      inRing.consume();
      if (kind === FRAME_SET_ECHO) {
        const len = writer.maxLength(msg);
        let at = outRing.reserve(len);
        while (at === -1) at = outRing.reserve(len); // the main thread drains echoes one at a time
        outRing.commit(writer.write(outRing.bytes, outRing.view, at, FRAME_SET, msg));
        outRing.publish();
        outBell.ring();
      }
    } else {
      throw new ShnError('DECODE_FAILED', `unknown frame kind ${kind}`);
    }
    if (++sinceRelease === RELEASE_EVERY) {
      inRing.release();
      sinceRelease = 0;
    }
  }
  inRing.release();
  await inBell.wait(hasData, waitOptions);
}
