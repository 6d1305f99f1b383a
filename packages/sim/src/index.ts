/**
 * @packageDocumentation
 * `@shn/sim`: deterministic simulation for shn.
 */
export {};
