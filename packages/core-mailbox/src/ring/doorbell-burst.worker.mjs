// Test helper (plain Node worker; imports the BUILT package): writes `bursts` short bursts of
// sequence-numbered frames, ringing the doorbell after each and waiting for the consumer to drain it,
// with seeded random pauses in between
// so the consumer is sometimes spinning, sometimes parked, sometimes just about to park.
import { parentPort, workerData } from 'node:worker_threads';
import { seededRng } from '@shn/core';
import { Doorbell, SpscRing } from '../../dist/ring/index.js';

const { ringBuffer, bellBuffer, bursts, seed } = workerData;
const ring = SpscRing.attach(ringBuffer);
const bell = Doorbell.attach(bellBuffer);
const rng = seededRng(seed);
const pause = new Int32Array(new SharedArrayBuffer(4));
let seq = 0;
for (let b = 0; b < bursts; b++) {
  const n = 1 + rng.int(4);
  for (let i = 0; i < n; i++) {
    let at;
    while ((at = ring.reserve(4)) < 0) Atomics.wait(pause, 0, 0, 0.05); // the ring holds 255 frames; rare
    ring.view.setUint32(at, seq++, true);
    ring.commit();
  }
  ring.publish();
  bell.ring();
  // Wait until the consumer took the whole burst: a lost wake-up now stalls both sides (the test
  // sees a timeout) instead of being papered over by the next burst's ring.
  while (ring.hasData()) Atomics.wait(pause, 0, 0, 0.01);
  const kind = rng.int(3);
  if (kind === 1) Atomics.wait(pause, 0, 0, rng.next() * 0.3);
  else if (kind === 2) for (let s = rng.int(2000); s > 0; s--) Atomics.load(pause, 0);
}
parentPort.postMessage({ frames: seq });
