import { systemClock, systemTimer, toShnError, type Clock, type Timer } from '@shn/core';
import { errorReply, type Reply } from '../resp/reply.js';
import type { ClientSession } from './client-session.js';
import { arityOk, type CommandContext, type CommandSpec, type ServerStats } from './command-spec.js';
import { DATA_COMMANDS } from './data-commands.js';
import { CRDT_COMMANDS } from '../crdt/crdt-commands.js';
import { unknownCommand, wrongArity } from './kv-errors.js';
import { SERVER_COMMANDS } from './server-commands.js';
import type { ShardBackend } from './shard-backend.js';

/** Options for {@link CommandExecutor}. */
export interface CommandExecutorOptions {
  readonly backend: ShardBackend;
  /** Time source for uptime (default systemClock). */
  readonly clock?: Clock;
  /** Timer for DEBUG SLEEP (default systemTimer). */
  readonly timer?: Timer;
  /** Server facts for INFO / CONFIG (default: a server with no connections on port 0). */
  readonly stats?: () => ServerStats;
  /** Per-command metrics and tracing (shn-kv's telemetry); absent = no per-command work. */
  readonly instrument?: { run(name: string, exec: () => Reply | Promise<Reply>): Reply | Promise<Reply> };
}

/** Something that turns a parsed command into a reply; the TCP server depends only on this. */
export interface CommandRouter {
  /**
   * Executes one command (`args[0]` is its name). Synchronous commands (PING, arity errors…)
   * reply synchronously; shard commands return a promise. Never throws or rejects: every
   * failure is an error reply.
   */
  execute(args: Buffer[], session: ClientSession): Reply | Promise<Reply>;
}

/**
 * The command layer: looks up the command (case-insensitive), checks arity with Redis's
 * exact errors, and runs it against a {@link ShardBackend}. Networking-free and unit-testable.
 */
export class CommandExecutor implements CommandRouter {
  readonly commands: ReadonlyMap<string, CommandSpec>;
  private readonly base: Omit<CommandContext, 'session'>;
  private readonly lookup = new Map<string, CommandSpec>();
  /** One context per session, built once (no allocation per command). */
  private readonly contexts = new WeakMap<ClientSession, CommandContext>();
  private readonly instrument: CommandExecutorOptions['instrument'];

  constructor(options: CommandExecutorOptions) {
    const commands = new Map<string, CommandSpec>();
    for (const spec of [...DATA_COMMANDS, ...CRDT_COMMANDS, ...SERVER_COMMANDS]) commands.set(spec.name, spec);
    this.commands = commands;
    this.instrument = options.instrument;
    const clock = options.clock ?? systemClock;
    this.base = {
      backend: options.backend,
      clock,
      timer: options.timer ?? systemTimer,
      config: new Map(),
      startedAt: clock.monotonic(),
      stats: options.stats ?? (() => ({ tcpPort: 0, connectedClients: 0, totalConnections: 0, totalCommands: 0 })),
      commands,
    };
  }

  execute(args: Buffer[], session: ClientSession): Reply | Promise<Reply> {
    const spec = this.find(args[0]);
    if (spec === undefined) return unknownCommand(args);
    if (this.instrument !== undefined) return this.instrument.run(spec.name, () => this.run(spec, args, session));
    return this.run(spec, args, session);
  }

  private run(spec: CommandSpec, args: Buffer[], session: ClientSession): Reply | Promise<Reply> {
    if (!arityOk(spec.arity, args.length)) return wrongArity(spec.name);
    try {
      let cx = this.contexts.get(session);
      if (cx === undefined) {
        cx = { ...this.base, session };
        this.contexts.set(session, cx);
      }
      const out = spec.run(args, cx);
      return out instanceof Promise ? out.catch(failureReply) : out;
    } catch (err) {
      return failureReply(err);
    }
  }

  private find(name: Buffer | undefined): CommandSpec | undefined {
    if (name === undefined || name.length > 32) return undefined;
    const raw = name.toString('latin1');
    let spec = this.lookup.get(raw);
    if (spec === undefined) {
      spec = this.commands.get(raw.toLowerCase());
      if (spec !== undefined && this.lookup.size < 1024) this.lookup.set(raw, spec);
    }
    return spec;
  }
}

/** A bug or unexpected failure becomes an error reply, never a crash. */
function failureReply(err: unknown): Reply {
  const e = toShnError(err);
  return errorReply(`ERR ${e.code}: ${e.message}`);
}
