import { ShnError } from '@shn/core';
import type { ActorBehavior, ActorContext, ActorKindDefinition, Envelope } from '@shn/core';
import type { Registry } from 'prom-client';
import { toPayload } from './payload.js';
import { recordCpuProfile, writeThreadHeapSnapshot } from './profiler.js';

/** The per-shard kind that answers scrapes and pings (fast requests only). */
export const TELEMETRY_KIND = 'shn.telemetry';
/** The per-shard kind that records profiles and heap snapshots (slow requests, kept apart so scrapes never wait behind them). */
export const PROFILER_KIND = 'shn.telemetry.profiler';

/** Message types the telemetry kinds understand. */
export const TELEMETRY_MESSAGES = Object.freeze({
  ping: 'ping',
  metrics: 'metrics',
  profile: 'profile',
  heap: 'heap',
});

function scrapeActor(registry: Registry): ActorBehavior {
  return {
    async receive(env: Envelope, ctx: ActorContext): Promise<unknown> {
      switch (env.type) {
        case TELEMETRY_MESSAGES.ping:
          return Number(ctx.id);
        case TELEMETRY_MESSAGES.metrics:
          return toPayload(JSON.stringify(await registry.getMetricsAsJSON()), 'json');
        default:
          throw new ShnError('INVALID_ARGUMENT', `${TELEMETRY_KIND}: unknown message ${JSON.stringify(env.type)} (ping|metrics)`);
      }
    },
  };
}

function profilerActor(): ActorBehavior {
  return {
    async receive(env: Envelope, ctx: ActorContext): Promise<unknown> {
      switch (env.type) {
        case TELEMETRY_MESSAGES.profile: {
          const body = (env.body ?? {}) as { seconds?: unknown; samplingIntervalUs?: unknown };
          const text = await recordCpuProfile(body.seconds as number, ctx.timer, (body.samplingIntervalUs as number | undefined) ?? 1000);
          return toPayload(text, 'cpuprofile');
        }
        case TELEMETRY_MESSAGES.heap:
          return { file: writeThreadHeapSnapshot() };
        default:
          throw new ShnError('INVALID_ARGUMENT', `${PROFILER_KIND}: unknown message ${JSON.stringify(env.type)} (profile|heap)`);
      }
    },
  };
}

/**
 * The two per-shard actor kinds the main thread's admin endpoints talk to: {@link TELEMETRY_KIND}
 * (ping; this shard's registry as JSON) and {@link PROFILER_KIND} (CPU profile, heap snapshot of
 * this shard's thread). Spread them into the system definition's `kinds`.
 */
export function telemetryKinds(registry: Registry): Record<string, ActorKindDefinition> {
  return {
    [TELEMETRY_KIND]: { mode: 'per-shard', factory: () => scrapeActor(registry), mailboxCapacity: 64 },
    [PROFILER_KIND]: { mode: 'per-shard', factory: () => profilerActor(), mailboxCapacity: 8 },
  };
}
