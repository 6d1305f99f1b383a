import { registerScenario } from './scenario-registry.js';
import { gossipCounterScenario } from './scenarios/gossip-counter.js';
import { replicatedRegisterScenario } from './scenarios/replicated-register.js';

/** The correct replicated register (reads at the leader). */
export const registerScenarioCorrect = replicatedRegisterScenario({ name: 'register', reads: 'leader' });
/** The broken replicated register (reads from any replica): its failures are expected. */
export const registerScenarioStaleReads = replicatedRegisterScenario({ name: 'register-stale-reads', reads: 'any' });

/** Registers the built-in example scenarios: `counter`, `register`, `register-stale-reads`. Idempotent. */
export function registerBuiltinScenarios(): void {
  registerScenario(gossipCounterScenario);
  registerScenario(registerScenarioCorrect);
  registerScenario(registerScenarioStaleReads);
}
