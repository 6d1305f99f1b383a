/**
 * A worker process of `shn-sim` sweeps: loads scenario modules, then runs the seeds its parent
 * sends, one at a time, and reports each outcome.
 * @internal
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { ActorHostFactory } from '@shn/core';
import { registerBuiltinScenarios } from './builtin-scenarios.js';
import { loadActorHost } from './host-module.js';
import { getScenario } from './scenario-registry.js';
import { runSeed } from './seed-sweep.js';

let scenario = '';
let host: ActorHostFactory | undefined;
const send = (m: unknown): void => {
  process.send?.(m);
};

process.on('message', (m: { t: string; scenario?: string; modules?: string[]; host?: string; seed?: number }) => {
  void (async () => {
    try {
      if (m.t === 'init') {
        registerBuiltinScenarios();
        for (const mod of m.modules ?? []) await import(pathToFileURL(resolve(mod)).href);
        if (m.host !== undefined) host = await loadActorHost(m.host);
        scenario = m.scenario ?? '';
        getScenario(scenario);
        send({ t: 'ready' });
      } else if (m.t === 'seed') {
        send({ t: 'outcome', outcome: await runSeed(scenario, m.seed!, host) });
      } else if (m.t === 'done') {
        process.disconnect();
      }
    } catch (e) {
      send({ t: 'error', error: e instanceof Error ? e.message : String(e) });
    }
  })();
});
