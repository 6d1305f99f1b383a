import type { Clock, Timer } from '@shn/core';
import type { Reply } from '../resp/reply.js';
import type { ClientSession } from './client-session.js';
import type { ShardBackend } from './shard-backend.js';

/** Facts about the server that INFO, CONFIG and CLIENT report. */
export interface ServerStats {
  /** The TCP port clients connect to. */
  readonly tcpPort: number;
  readonly connectedClients: number;
  readonly totalConnections: number;
  readonly totalCommands: number;
  /** Connections closed for passing the output cap (client-output-buffer-limit). */
  readonly outputLimitDisconnects?: number;
  /** Shard refusals the gateway retried. */
  readonly shardRefusals?: number;
  /** How connections are served: `gateway (…reason)` or `shard-owned`. */
  readonly connectionMode?: string;
}

/** What a command handler may use. */
export interface CommandContext {
  readonly backend: ShardBackend;
  readonly session: ClientSession;
  readonly clock: Clock;
  readonly timer: Timer;
  /** CONFIG SET values, by lower-case name (over the defaults of config-params). */
  readonly config: Map<string, string>;
  /** Monotonic ms at server start (for uptime). */
  readonly startedAt: number;
  readonly stats: () => ServerStats;
  readonly commands: ReadonlyMap<string, CommandSpec>;
}

/**
 * One command: its Redis metadata (reported by COMMAND) and its handler.
 * Arity follows Redis: `n` means exactly n arguments including the name, `-n` at least n.
 */
export interface CommandSpec {
  /** Lower-case name, as in error messages. */
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly string[];
  /** Key positions for COMMAND (0 when the command has no keys). */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  /** Runs the command; `args[0]` is the name as sent. Arity is already checked. Must not throw. */
  readonly run: (args: Buffer[], cx: CommandContext) => Reply | Promise<Reply>;
}

/** True if `argc` satisfies Redis-style `arity`. */
export function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}
