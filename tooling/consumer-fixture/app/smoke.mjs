// Loads every package from the installed tarballs (ESM resolution through the exports maps)
// and runs one simulated ask in the production host.
import * as core from '@shn/core';
import { createActorHost } from '@shn/core-mailbox';
import * as crdt from '@shn/crdt';
import { Simulation } from '@shn/sim';

const sim = new Simulation({ seed: 1, host: createActorHost });
sim.addNode('b').host('echo', () => ({ receive: (env) => env.body }));
const pong = sim.addNode('a').ref('echo', 'x', 'b').ask('ping', 42);
await sim.run();
const got = await pong;
if (got !== 42 || typeof core.ShnError !== 'function' || typeof crdt.gCounter !== 'object') {
  throw new Error(`smoke failed: ${String(got)}`);
}
console.log('smoke: every package loads from its tarball; a simulated ask in the production host answered', got);
