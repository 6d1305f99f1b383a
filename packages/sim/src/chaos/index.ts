/**
 * Chaos for the real runtime: a rule-driven chaos Middleware and a gameday runner that
 * kills shard threads while a workload runs.
 */
export { chaosMiddleware } from './chaos-middleware.js';
export type { ChaosMiddleware, ChaosMiddlewareOptions } from './chaos-middleware.js';
export { resolveChaosRules, parseChaosRules, ruleMatches } from './chaos-rule.js';
export type { ChaosAction, ChaosHook, ChaosMatch, ChaosRule, ResolvedChaosRule } from './chaos-rule.js';
export type { ChaosStats } from './chaos-stats.js';
export { sampleLatency, validateLatencyDistribution, MAX_CHAOS_DELAY_MS } from './latency-distribution.js';
export type { LatencyDistribution } from './latency-distribution.js';
export { gameday } from './gameday.js';
export type { GamedayOptions, GamedayProgress, GamedayReport, KillRecord } from './gameday.js';
export type { GamedayTarget, GamedayTargetLike, GamedayShardGauge } from './gameday-target.js';
export { planKills } from './kill-schedule.js';
export type { KillSchedule, PlannedKill } from './kill-schedule.js';
export { WorkloadProbe, MAX_LATENCY_SAMPLES } from './workload-probe.js';
export type { LatencySummary, ProbeResult, WorkloadSummary } from './workload-probe.js';
