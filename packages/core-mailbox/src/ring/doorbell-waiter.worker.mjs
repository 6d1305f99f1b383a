// Test helper (plain Node worker; imports the BUILT package): parks on a doorbell with nothing else
// keeping the thread alive, reports 'parked', then reports why it woke.
import { parentPort, workerData } from 'node:worker_threads';
import { Doorbell } from '../../dist/ring/index.js';

const { bellBuffer, unref } = workerData;
const bell = Doorbell.attach(bellBuffer);
const woke = bell.wait(() => false, { spins: 0, unref });
parentPort.postMessage('parked');
// No top-level await: an unsettled one would make Node exit with code 13 instead of 0.
void woke.then((reason) => parentPort.postMessage(reason));
