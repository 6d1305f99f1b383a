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
  readonly instrument?: CommandInstrumentHooks;
}

/** Something that turns a parsed command into a reply; the TCP server depends only on this. */
/** What the executor needs of an instrument (shn-kv's telemetry implements it). */
export interface CommandInstrumentHooks {
  /**
   * Runs one command inside whatever the instrument wraps it in. Without `timing` that includes
   * timing it; with `timing` the executor times every command itself and calls `run` only for
   * the commands `traceNext` picks, so `run` then only adds its trace span.
   */
  run(name: string, exec: () => Reply | Promise<Reply>): Reply | Promise<Reply>;
  /**
   * When set, the executor times commands itself instead of calling `run`: `now()` before the
   * command, `record(name, startedAt, reply)` once its reply is known. No wrapper closure and no
   * extra promise per command.
   */
  readonly timing?: { now(): number; record(name: string, startedAt: number, reply: Reply): void } | undefined;
  /**
   * With `timing`: asked once per command, whether this one also runs inside `run` (a trace
   * span); absent = never. The commands it says no to cost the same as with timing alone.
   */
  readonly traceNext?: (() => boolean) | undefined;
}

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
    const instrument = this.instrument;
    if (instrument === undefined) return this.run(spec, args, session, undefined);
    const timing = instrument.timing;
    if (timing === undefined) return instrument.run(spec.name, () => this.run(spec, args, session, undefined));
    const startedAt = timing.now();
    const done = (reply: Reply): void => timing.record(spec.name, startedAt, reply);
    if (instrument.traceNext !== undefined && instrument.traceNext()) return instrument.run(spec.name, () => this.run(spec, args, session, done));
    return this.run(spec, args, session, done);
  }

  /** Runs the command; `done` (if any) gets its reply, error replies included, once it is known. */
  private run(spec: CommandSpec, args: Buffer[], session: ClientSession, done: ((reply: Reply) => void) | undefined): Reply | Promise<Reply> {
    let reply: Reply;
    if (!arityOk(spec.arity, args.length)) {
      reply = wrongArity(spec.name);
    } else {
      try {
        let cx = this.contexts.get(session);
        if (cx === undefined) {
          cx = { ...this.base, session };
          this.contexts.set(session, cx);
        }
        const out = spec.run(args, cx);
        if (out instanceof Promise) {
          if (done === undefined) return out.catch(failureReply);
          return out.then(
            (r) => {
              done(r);
              return r;
            },
            (err: unknown) => {
              const r = failureReply(err);
              done(r);
              return r;
            },
          );
        }
        reply = out;
      } catch (err) {
        reply = failureReply(err);
      }
    }
    done?.(reply);
    return reply;
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
