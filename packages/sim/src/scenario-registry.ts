import { ShnError } from '@shn/core';
import type { Scenario } from './scenario.js';

const registry = new Map<string, Scenario<unknown>>();

/**
 * Makes a scenario available to the CLI by name (`pnpm sim <name>`). A module passed to the
 * CLI with `--module` calls this at import time.
 * @throws ShnError `INVALID_ARGUMENT` if another scenario already has the name.
 */
export function registerScenario<C>(scenario: Scenario<C>): void {
  const existing = registry.get(scenario.name);
  if (existing !== undefined && existing !== (scenario as Scenario<unknown>)) throw new ShnError('INVALID_ARGUMENT', `scenario ${scenario.name} is already registered`);
  registry.set(scenario.name, scenario as Scenario<unknown>);
}

/** The registered scenario called `name`. @throws ShnError `INVALID_ARGUMENT` if there is none. */
export function getScenario(name: string): Scenario<unknown> {
  const s = registry.get(name);
  if (s === undefined) throw new ShnError('INVALID_ARGUMENT', `unknown scenario ${JSON.stringify(name)}; known: ${[...registry.keys()].sort().join(', ')}`);
  return s;
}

/** Every registered scenario, sorted by name. */
export function listScenarios(): Scenario<unknown>[] {
  return [...registry.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}
