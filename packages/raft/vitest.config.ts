import { availableParallelism } from 'node:os';
import { shnVitestConfig } from '@shn/vitest-config';

// Every core: the simulation files (raft-sim-*.test.ts, simulation.test.ts) are pure CPU in
// virtual time and are split so that they run side by side. Vitest's default on a 2-core host is
// one worker, which ran them one after another (3 min instead of 1.6).
export default shnVitestConfig({ maxWorkers: Math.max(2, availableParallelism()) });
