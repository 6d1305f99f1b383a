/**
 * @packageDocumentation
 * `@shn/sim`: deterministic simulation for shn. One thread, virtual time and a seeded
 * scheduler run many nodes hosting actors over a faulty network and faulty disks; every run
 * replays exactly from its seed. Plus fault points, record/replay, a scenario runner and CLI,
 * a linearizability checker, and chaos for the real runtime.
 */
export { Simulation } from './simulation.js';
export type { RunOptions, RunStop, SimulationOptions } from './simulation.js';
export { SimNode } from './sim-node.js';
export type { SimActorContext, SimNodeOptions } from './sim-node.js';
export { SimNetwork, DEFAULT_LINK, validateLinkConfig } from './sim-network.js';
export type { LinkConfig, NetworkStats } from './sim-network.js';
export { SimStore } from './sim-store.js';
export type { SimStoreOptions } from './sim-store.js';
export { SimTransport } from './sim-transport.js';
export { buggify, noFaultPoints, FAULT_POINTS } from './fault-points.js';
export type { FaultPoints, SimFaultPointOptions } from './fault-points.js';
export { EventLog, firstDivergence, describeValue } from './event-log.js';
export type { LogDivergence } from './event-log.js';
export { HistoryRecorder } from './history.js';
export type { RecordedOperation } from './history.js';
export { defineScenario, runScenario, replayCommand } from './scenario.js';
export type { Invariant, RunFailure, RunResult, RunScenarioOptions, Scenario, ScenarioDefinition, Verdict } from './scenario.js';
export { checkDeterminism } from './determinism.js';
export type { DeterminismReport } from './determinism.js';
export { recordRun, parseSimRecording, replaySimRecording, SIM_RECORDING_FORMAT, SIM_RECORDING_VERSION } from './sim-recording.js';
export type { SimRecording, SimReplayReport } from './sim-recording.js';
export { registerScenario, getScenario, listScenarios } from './scenario-registry.js';
export { sweepSeeds, runSeed } from './seed-sweep.js';
export { loadActorHost } from './host-module.js';
export type { SeedOutcome, SweepOptions } from './seed-sweep.js';
export { registerBuiltinScenarios, registerScenarioCorrect, registerScenarioStaleReads } from './builtin-scenarios.js';
export { gossipCounterScenario } from './scenarios/gossip-counter.js';
export { replicatedRegisterScenario } from './scenarios/replicated-register.js';
export type { ReplicatedRegisterOptions } from './scenarios/replicated-register.js';
export * from './linearizability/index.js';
export * from './chaos/index.js';
export * from './replay-real/index.js';
