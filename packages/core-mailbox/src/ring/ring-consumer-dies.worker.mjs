// Test helper (plain Node worker; imports the BUILT package): consumes frames, releasing every
// `releaseEvery`, and calls process.exit() in the middle of frame `dieAt` (after beginFrame).
import process from 'node:process';
import { workerData } from 'node:worker_threads';
import { SpscRing } from '../../dist/ring/index.js';

const { ringBuffer, dieAt, releaseEvery } = workerData;
const ring = SpscRing.attach(ringBuffer);
for (let i = 0; ; i++) {
  if (ring.peek() < 0) process.exit(2); // the test pre-fills more frames than dieAt
  ring.beginFrame();
  if (i === dieAt) process.exit(7);
  ring.consume();
  if ((i + 1) % releaseEvery === 0) ring.release();
}
