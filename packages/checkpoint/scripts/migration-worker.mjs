// A shard thread of the real-threads migration test (src/migration-threads.test.ts): role
// `source` or `target` of one unit, or `sender`. Ports are FIFO MessagePorts; the routing
// table is one Int32 in a SharedArrayBuffer (0 = source owns the unit, 1 = target), flipped
// by the source with Atomics.store when the protocol says so and read by senders per message.
import { workerData, parentPort } from 'node:worker_threads';
import { KeyedState, MigrationSource, MigrationTarget } from '../dist/index.js';

const { role, route, mode } = workerData;
const table = new Int32Array(route);
const enc = new TextEncoder();
const dec = new TextDecoder();

function applyTo(state, msg) {
  const key = `log:${msg.sender}`;
  const prev = state.get(key);
  state.set(key, enc.encode(`${prev === undefined ? '' : `${dec.decode(prev)},`}${msg.seq}`));
}

if (role === 'sender') {
  const { toSource, toTarget, senders, perSender } = workerData;
  const half = Math.floor(perSender / 2);
  const send = async (from, to) => {
    for (let i = from; i <= to; i++) {
      for (const s of senders) {
        const owner = Atomics.load(table, 0);
        (owner === 0 ? toSource : toTarget).postMessage({ sender: s, seq: i, body: i });
      }
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  };
  // First half on `go`, second half on `go2` (sent once the migration has started).
  parentPort.on('message', async (m) => {
    if (m === 'go') await send(1, half);
    if (m === 'go2') await send(half + 1, perSender);
    parentPort.postMessage(m === 'go' ? 'half' : 'sent');
  });
} else if (role === 'source') {
  const { fromSenders, peer } = workerData;
  const state = new KeyedState({ keyGroups: 64 });
  for (let i = 0; i < 20000; i++) state.set(`pad:${i}`, new Uint8Array(64).fill(i & 0xff));
  const src = new MigrationSource(state, { mode, pauseAtDirty: 2, maxRounds: 6 });
  let applied = 0;
  const perform = (actions) => {
    for (const a of actions) {
      if (a.kind === 'apply') {
        applyTo(state, a.msg);
        applied++;
      } else if (a.kind === 'send') peer.postMessage(a.wire);
      else if (a.kind === 'route-to-target') {
        Atomics.store(table, 0, 1);
        parentPort.postMessage({ paused: true, appliedAtSource: applied });
      }
      else if (a.kind === 'duplicate') parentPort.postMessage({ duplicate: a.msg });
    }
  };
  for (const p of fromSenders) p.on('message', (msg) => perform(src.deliver(msg)));
  peer.on('message', (wire) => perform(src.onWire(wire)));
  parentPort.on('message', (m) => {
    if (m === 'start') {
      perform(src.start());
      parentPort.postMessage({ started: true });
    }
  });
} else {
  const { fromSenders, peer, total } = workerData;
  const state = new KeyedState({ keyGroups: 64 });
  const tgt = new MigrationTarget(state);
  let applied = 0;
  let resumed = false;
  const report = () => {
    const logs = {};
    for (const [k, v] of state.entries()) if (k.startsWith('log:')) logs[k.slice(4)] = dec.decode(v);
    parentPort.postMessage({ done: true, logs, pad: state.size - Object.keys(logs).length, held: tgt.held, appliedAtTarget: applied });
  };
  const perform = (actions) => {
    for (const a of actions) {
      if (a.kind === 'apply') {
        applyTo(state, a.msg);
        applied++;
      } else if (a.kind === 'send') peer.postMessage(a.wire);
      else if (a.kind === 'duplicate') parentPort.postMessage({ duplicate: a.msg });
      else if (a.kind === 'resumed') resumed = true;
    }
    if (resumed) {
      let n = 0;
      for (const [k, v] of state.entries()) if (k.startsWith('log:')) n += dec.decode(v).split(',').length;
      if (n === total) report();
    }
  };
  for (const p of fromSenders) p.on('message', (msg) => perform(tgt.deliver(msg)));
  peer.on('message', (wire) => perform(tgt.onWire(wire)));
}
