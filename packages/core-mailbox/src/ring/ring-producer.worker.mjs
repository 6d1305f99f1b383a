// Test helper (runs as plain Node in a worker thread, so it imports the BUILT package: run `pnpm build` first).
// Produces `count` frames of seeded random sizes: u32 sequence number, then filler derived from it.
import { parentPort, workerData } from 'node:worker_threads';
import { seededRng } from '@shn/core';
import { Doorbell, SpscRing } from '../../dist/ring/index.js';

const { ringBuffer, bellBuffer, spaceBuffer, seed, count, maxLength, batch } = workerData;
const ring = SpscRing.attach(ringBuffer);
const bell = Doorbell.attach(bellBuffer);
const space = Doorbell.attach(spaceBuffer);
const rng = seededRng(seed);
let fullWaits = 0;

for (let seq = 0; seq < count; seq++) {
  const length = 4 + rng.int(maxLength - 3);
  let at = ring.reserve(length);
  if (at < 0) {
    if (ring.publish()) bell.ring();
    fullWaits++;
    while ((at = ring.reserve(length)) < 0) {
      await space.wait(() => ring.reserve(length) >= 0, { spins: 16 });
    }
  }
  ring.view.setUint32(at, seq, true);
  for (let j = 4; j < length; j++) ring.bytes[at + j] = (seq * 131 + j) & 0xff;
  ring.commit();
  if ((seq + 1) % batch === 0 && ring.publish()) bell.ring();
}
if (ring.publish()) bell.ring();
parentPort.postMessage({ fullWaits });
