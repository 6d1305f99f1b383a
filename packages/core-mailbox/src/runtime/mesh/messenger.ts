import { ShnError, actorName, assertActorId, compose, observeSent, sendBypass, systemClock, systemTimer, toShnError } from '@shn/core';
import type {
  ActorRef,
  MessageType,
  RuntimeEvent,
  Address,
  AskOptions,
  Clock,
  Envelope,
  Middleware,
  Next,
  Router,
  SendOptions,
  SentObserver,
  ShardLoad,
  Timer,
  TimerHandle,
} from '@shn/core';
import { FrameReader } from '../frame/frame-reader.js';
import { InboundEnvelope, NO_HEADERS, OutboundEnvelope } from './envelopes.js';
import { compileMessage } from '../frame/schema-codec.js';
import type { CompiledMessage, SchemaRegistry } from '../frame/schema-codec.js';
import { FrameWriter } from '../frame/frame-writer.js';
import { FrameKind, emptyFrame, maxSchemaFrameBytes, readFrame, writeFrame } from '../frame/frame.js';
import type { FrameFields } from '../frame/frame.js';
import { tooLarge } from './mesh.js';
import type { MeshEndpoint } from './mesh.js';

/**
 * A ref made by a runtime: {@link ActorRef} plus an awaitable {@link RuntimeRef.send}.
 */
export interface RuntimeRef extends ActorRef {
  /**
   * A tell of a declared message type of this ref's kind: the body is type-checked and crosses as
   * a fixed-layout frame encoded straight into the ring.
   * @throws ShnError like `tell`, plus `INVALID_ARGUMENT` if `message` belongs to another kind or
   * is not declared in the system's `messages`, and `ENCODE_FAILED` naming a field of the wrong type.
   */
  tell<B>(message: MessageType<B, unknown>, body: B, options?: SendOptions): 'accepted' | 'full' | 'closed';
  tell(type: string, body?: unknown, options?: SendOptions): 'accepted' | 'full' | 'closed';
  /** An ask of a declared message type: resolves with the declared reply type. */
  ask<B, R>(message: MessageType<B, R>, body: B, options?: AskOptions): Promise<R>;
  ask<R = unknown>(type: string, body?: unknown, options?: AskOptions): Promise<R>;
  /**
   * A tell that waits for room: resolves once the message is accepted; while the target's mailbox
   * (or the ring to its shard) is full it retries until `options.deadline` (epoch ms) or
   * `options.timeoutMs` (default: the runtime's ask timeout), then rejects with `MAILBOX_FULL`.
   * Rejects at once with `RUNTIME_CLOSED`, `RUNTIME_FAILED` (shard down for good),
   * `ACTOR_NOT_FOUND`, `INVALID_ARGUMENT`, `ENCODE_FAILED` or `MESSAGE_TOO_LARGE`.
   */
  send<B>(message: MessageType<B, unknown>, body: B, options?: AskOptions): Promise<void>;
  send(type: string, body?: unknown, options?: AskOptions): Promise<void>;
}

const ACCEPTED: Promise<void> = Promise.resolve();
/** Ids shorter than this cannot exceed the wire limit with any valid kind (3 bytes per unit, worst case). */
const SHORT_ID = 16_000;
/** Immediate retries of an awaitable send before it falls back to 1 ms timers. */
const IMMEDIATE_RETRIES = 4;

/** Delivers an envelope to an actor on this thread (same-shard sends skip the ring). */
export type LocalDeliver = (
  env: Envelope,
  reply: ((error: ShnError | undefined, result: unknown) => void) | undefined,
) => 'accepted' | 'full' | 'closed';

interface Pending {
  resolve(v: unknown): void;
  reject(e: ShnError): void;
  handle: TimerHandle | undefined;
  shard: number;
}

export interface MessengerOptions {
  readonly mesh: MeshEndpoint;
  readonly node: string;
  readonly shards: number;
  readonly router: Router;
  readonly middleware: readonly Middleware[];
  readonly clock?: Clock;
  readonly timer?: Timer;
  /** Ask timeout when the caller gives none, ms; `Infinity` for none. */
  readonly defaultAskTimeoutMs?: number;
  /** Starting correlation id (differs per thread generation so stale replies never match). */
  readonly correlationBase?: number;
  /** Delivery to actors of this thread's own shard, if it hosts one. */
  readonly local?: LocalDeliver;
  /** Whether sends are currently refused with `closed`. */
  readonly isClosed?: () => boolean;
  /** Reports a shard that is down for good (sends to it are refused). */
  readonly isShardDown?: (shard: number) => boolean;
  /** The actor kinds of the loaded system: a tell/ask/ref to any other kind is refused with `ACTOR_NOT_FOUND`. */
  readonly kinds?: ReadonlySet<string>;
  /** The system's declared message types (for decoding their frames, and to refuse undeclared ones at the call). */
  readonly schemas?: SchemaRegistry;
  /** Receives the `message-lost` events of messages that could not cross (too large, not encodable). Must not throw. */
  readonly onEvent?: (event: RuntimeEvent) => void;
}

/**
 * Sends envelopes from one thread: placement through the router, send/ask middleware,
 * encoding into the mesh, correlation of replies and ask timeouts. Shared by the main
 * thread and every shard thread.
 */
export class Messenger {
  readonly node: string;
  readonly shards: number;
  readonly #mesh: MeshEndpoint;
  readonly #router: Router;
  readonly #candidates: ShardLoad[];
  readonly #clock: Clock;
  readonly #timer: Timer;
  readonly #writer = new FrameWriter();
  readonly #reader = new FrameReader();
  readonly #frame: FrameFields = emptyFrame();
  readonly #decoded: FrameFields = emptyFrame();
  readonly #pending = new Map<number, Pending>();
  readonly #defaultTimeout: number;
  readonly #local: LocalDeliver | undefined;
  readonly #isClosed: () => boolean;
  readonly #isShardDown: (shard: number) => boolean;
  readonly #sendChain: Next<'accepted' | 'full' | 'closed'>;
  /** The middleware's `sent` observers, called by the envelope-free tell path (the chain calls them itself). */
  readonly #sentObserver: SentObserver | undefined;
  /** Whether a tell may skip the send chain (every send middleware's `intercepts` said no); undefined: never. */
  readonly #sendBypass: ((actor: string) => boolean) | undefined;
  readonly #askChain: Next<Promise<unknown>>;
  readonly #hasSendMw: boolean;
  readonly #hasAskMw: boolean;
  readonly #kinds: ReadonlySet<string> | undefined;
  readonly #schemas: SchemaRegistry | undefined;
  /** The schema of the message being sent (set by the typed calls, read by #envelope). */
  #schema: CompiledMessage | undefined;
  /** The last kind {@link actorOf} accepted (skips the set lookup for runs of one kind). */
  #lastKind = '';
  /** The last declared message type checked (and its compiled form): runs of one type skip the lookups. */
  #lastMessage: MessageType | undefined;
  #lastCompiled: CompiledMessage | undefined;
  readonly #onEvent: ((event: RuntimeEvent) => void) | undefined;
  #correlation: number;
  /** The caller's own deadline of the envelope being sent (to tell DEADLINE_EXCEEDED from TIMEOUT). */
  #callerDeadline: number | undefined;
  #seq = 0;

  constructor(o: MessengerOptions) {
    this.node = o.node;
    this.shards = o.shards;
    this.#mesh = o.mesh;
    this.#router = o.router;
    this.#candidates = Array.from({ length: o.shards }, (_, shard) => ({ shard, load: 0 }));
    this.#clock = o.clock ?? systemClock;
    this.#timer = o.timer ?? systemTimer;
    this.#defaultTimeout = o.defaultAskTimeoutMs ?? 30_000;
    this.#correlation = (o.correlationBase ?? 0) >>> 0;
    this.#local = o.local;
    this.#isClosed = o.isClosed ?? (() => false);
    this.#isShardDown = o.isShardDown ?? (() => false);
    this.#hasSendMw = o.middleware.some((m) => m.send);
    this.#sentObserver = observeSent(o.middleware);
    this.#sendBypass = sendBypass(o.middleware);
    this.#hasAskMw = o.middleware.some((m) => m.ask);
    this.#kinds = o.kinds;
    this.#schemas = o.schemas;
    this.#onEvent = o.onEvent;
    this.#sendChain = compose(o.middleware, 'send', (env) => this.#dispatchTell(env));
    this.#askChain = compose(o.middleware, 'ask', (env) => this.#dispatchAsk(env));
  }

  /** The shard that owns `kind/id`. */
  shardOf(actor: string): number {
    const s = this.#router.pick(actor, this.#candidates);
    if (!Number.isInteger(s) || s < 0 || s >= this.shards) {
      throw new ShnError('INTERNAL', `router ${this.#router.name} returned shard ${String(s)} of ${this.shards}`);
    }
    return s;
  }

  /** Asks currently waiting for a reply. */
  get pendingAsks(): number {
    return this.#pending.size;
  }

  /**
   * Validates `kind/id` and returns the actor name.
   * @throws ShnError `INVALID_ARGUMENT` (bad kind, empty id, id over the wire limit) or
   * `ACTOR_NOT_FOUND` (a kind the system does not define).
   */
  actorOf(kind: string, id: string): string {
    if (kind === this.#lastKind && typeof id === 'string' && id.length !== 0 && id.length < SHORT_ID) return `${kind}/${id}`;
    const actor = actorName(kind, id);
    assertActorId(kind, id);
    const kinds = this.#kinds;
    if (kinds !== undefined && kind !== this.#lastKind && !kinds.has(kind)) {
      throw new ShnError('ACTOR_NOT_FOUND', `no actor kind ${JSON.stringify(kind)} in the system (kinds: ${[...kinds].join(', ')})`, {
        details: { actor },
      });
    }
    this.#lastKind = kind;
    return actor;
  }

  /** A ref to `kind/id`, placed by the router (or pinned to `shard`). Throws like {@link actorOf}. */
  ref(kind: string, id: string, shard?: number, from?: Address): RuntimeRef {
    const actor = this.actorOf(kind, id);
    const target = shard ?? this.shardOf(actor);
    if (!Number.isInteger(target) || target < 0 || target >= this.shards) {
      throw new ShnError('INVALID_ARGUMENT', `shard must be in [0, ${this.shards - 1}], got ${String(shard)}`);
    }
    const address: Address = { node: this.node, shard: target, actor };
    const ref = {
      address,
      tell: (type: string | MessageType, body?: unknown, options?: SendOptions) =>
        typeof type === 'string' ? this.tell(address, type, body, options, from) : this.tellMessage(this.#check(type, kind), address, body, options, from),
      ask: (type: string | MessageType, body?: unknown, options?: AskOptions) =>
        typeof type === 'string' ? this.ask(address, type, body, options, from) : this.askMessage(this.#check(type, kind), address, body, options, from),
      send: (type: string | MessageType, body?: unknown, options?: AskOptions) =>
        typeof type === 'string' ? this.send(address, type, body, options, from) : this.sendMessage(this.#check(type, kind), address, body, options, from),
    };
    return ref as RuntimeRef;
  }

  /**
   * The compiled form of a declared message type, checked against the system (and `kind`).
   * @throws ShnError `INVALID_ARGUMENT` for a message type of another kind or one the system does not declare.
   */
  #check(message: MessageType, kind: string | undefined): CompiledMessage {
    if (message === this.#lastMessage && kind === undefined) return this.#lastCompiled as CompiledMessage;
    const c = compileMessage(message);
    if (kind !== undefined && c.kind !== kind) {
      throw new ShnError('INVALID_ARGUMENT', `message ${c.kind}/${c.type} goes to kind ${c.kind}, not ${kind}`);
    }
    if (this.#schemas !== undefined && !this.#schemas.has(message)) {
      throw new ShnError('INVALID_ARGUMENT', `message ${c.kind}/${c.type} is not declared in the system's messages (add its protocol to defineSystem({ messages: [...] }))`);
    }
    this.#lastMessage = message;
    this.#lastCompiled = c;
    return c;
  }

  /** Checks `message` (see {@link RuntimeRef}) and returns it compiled. Throws `INVALID_ARGUMENT`. */
  compiled(message: MessageType): CompiledMessage {
    return this.#check(message, undefined);
  }

  /** A tell of the declared message `c` to `to`. */
  /** {@link tellTo} of the declared message `c`. */
  tellMessageTo(c: CompiledMessage, shard: number, actor: string, body: unknown, options: SendOptions | undefined): 'accepted' | 'full' | 'closed' {
    this.#schema = c;
    try {
      return this.tellTo(shard, actor, c.type, body, options, c.kind);
    } finally {
      this.#schema = undefined;
    }
  }

  tellMessage(c: CompiledMessage, to: Address, body: unknown, options: SendOptions | undefined, from?: Address): 'accepted' | 'full' | 'closed' {
    this.#schema = c;
    try {
      return this.tell(to, c.type, body, options, from);
    } finally {
      this.#schema = undefined;
    }
  }

  /** An ask of the declared message `c` to `to`. */
  askMessage(c: CompiledMessage, to: Address, body: unknown, options: AskOptions | undefined, from?: Address): Promise<unknown> {
    this.#schema = c;
    try {
      return this.ask(to, c.type, body, options, from);
    } finally {
      this.#schema = undefined;
    }
  }

  /** An awaitable send of the declared message `c` to `to`. */
  sendMessage(c: CompiledMessage, to: Address, body: unknown, options: AskOptions | undefined, from?: Address): Promise<void> {
    this.#schema = c;
    try {
      return this.send(to, c.type, body, options, from);
    } finally {
      this.#schema = undefined;
    }
  }

  /** The awaitable send of {@link RuntimeRef.send}, to `to`. */
  send(to: Address, type: string, body: unknown, options: AskOptions | undefined, from?: Address): Promise<void> {
    let r: 'accepted' | 'full' | 'closed';
    try {
      r = this.tell(to, type, body, options, from);
    } catch (e) {
      return Promise.reject(toShnError(e, 'INVALID_ARGUMENT'));
    }
    if (r === 'accepted') return ACCEPTED;
    if (r === 'closed') return Promise.reject(this.#closedError(to, type));
    const timeoutMs = options?.timeoutMs ?? this.#defaultTimeout;
    if (!(timeoutMs >= 0)) return Promise.reject(new ShnError('INVALID_ARGUMENT', `timeoutMs must be >= 0, got ${String(timeoutMs)}`));
    const started = this.#clock.now();
    const deadline = Math.min(options?.deadline ?? Infinity, started + timeoutMs);
    const schema = this.#schema;
    return new Promise<void>((resolve, reject) => {
      let attempts = 0;
      const retry = (): void => {
        let res: 'accepted' | 'full' | 'closed';
        this.#schema = schema;
        try {
          res = this.tell(to, type, body, options, from);
        } catch (e) {
          reject(toShnError(e, 'INVALID_ARGUMENT'));
          return;
        } finally {
          this.#schema = undefined;
        }
        if (res === 'accepted') resolve();
        else if (res === 'closed') reject(this.#closedError(to, type));
        else {
          const now = this.#clock.now();
          if (now >= deadline) {
            reject(
              new ShnError('MAILBOX_FULL', `mailbox of ${to.actor} on shard ${to.shard} stayed full for ${Math.round(now - started)} ms (deadline reached after ${attempts + 1} attempts); ${type} not sent`, {
                details: { actor: to.actor, shard: to.shard, waitedMs: now - started },
              }),
            );
          } else schedule();
        }
      };
      const schedule = (): void => {
        attempts++;
        if (attempts <= IMMEDIATE_RETRIES) setImmediate(retry);
        else this.#timer.setTimeout(retry, Math.max(0, Math.min(1, deadline - this.#clock.now())));
      };
      schedule();
    });
  }

  #closedError(to: Address, type: string): ShnError {
    return !this.#isClosed() && this.#isShardDown(to.shard)
      ? new ShnError('RUNTIME_FAILED', `shard ${to.shard} is down for good; ${type} to ${to.actor} not sent`)
      : new ShnError('RUNTIME_CLOSED', `runtime is closing; ${type} to ${to.actor} not sent`);
  }

  /** Reports a message that could not cross (and rethrows nothing). */
  #lost(to: Address, type: string, correlationId: string | undefined, error: ShnError): void {
    if (this.#onEvent === undefined) return;
    try {
      this.#onEvent({
        type: 'message-lost',
        shard: to.shard,
        at: this.#clock.now(),
        reason: `${error.code}: ${error.message}`,
        envelope: { to, type, correlationId },
      });
    } catch {
      // observers must not throw; a faulty one must not break sending
    }
  }

  /** Fire-and-forget send to `to`. */
  tell(to: Address, type: string, body: unknown, options: SendOptions | undefined, from?: Address): 'accepted' | 'full' | 'closed' {
    if (this.#isClosed() || this.#isShardDown(to.shard)) return 'closed';
    checkType(type);
    const env = this.#envelope(to, type, body, options, from, undefined);
    try {
      return this.#hasSendMw || this.#sentObserver !== undefined ? this.#sendChain(env) : this.#dispatchTell(env);
    } catch (e) {
      const err = toShnError(e, 'INVALID_ARGUMENT');
      if (err.code === 'MESSAGE_TOO_LARGE' || err.code === 'ENCODE_FAILED') this.#lost(to, type, undefined, err);
      throw err;
    }
  }

  /**
   * {@link tell} to `actor` on `shard` (both already validated). With a target on another thread
   * and no send middleware that wants this tell (none, or all of them said no through
   * `intercepts`), the frame is filled and encoded directly: no Address and no envelope object
   * per message; the `sent` observers still see it.
   */
  tellTo(shard: number, actor: string, type: string, body: unknown, options: SendOptions | undefined, kind?: string): 'accepted' | 'full' | 'closed' {
    if ((this.#local !== undefined && shard === this.#mesh.self - 1) || (this.#hasSendMw && (this.#sendBypass === undefined || !this.#sendBypass(actor)))) {
      return this.tell({ node: this.node, shard, actor }, type, body, options);
    }
    if (this.#isClosed() || this.#isShardDown(shard)) return 'closed';
    checkType(type);
    const priority = options?.priority;
    if (priority !== undefined && (!Number.isInteger(priority) || priority < 0 || priority > 255)) {
      throw new ShnError('INVALID_ARGUMENT', `priority must be an integer in [0, 255], got ${String(priority)}`);
    }
    const f = this.#frame;
    f.kind = FrameKind.Tell;
    f.priority = priority ?? 0;
    f.correlation = 0;
    f.seq = ++this.#seq;
    f.sender = this.#mesh.self;
    f.shard = shard;
    f.deadline = options?.deadline;
    f.type = type;
    f.actor = actor;
    f.from = undefined;
    f.headers = options?.headers ?? NO_HEADERS;
    f.body = body;
    f.schema = this.#schema;
    this.#schema = undefined;
    let r: 'accepted' | 'full';
    try {
      r = this.#sendFrame(shard + 1) ? 'accepted' : 'full';
    } catch (e) {
      const err = toShnError(e, 'INVALID_ARGUMENT');
      if (err.code === 'MESSAGE_TOO_LARGE' || err.code === 'ENCODE_FAILED') this.#lost({ node: this.node, shard, actor }, type, undefined, err);
      throw err;
    }
    if (this.#sentObserver !== undefined) this.#sentObserver(actor, r, kind);
    return r;
  }

  /** Request/reply to `to`; see {@link ActorRef.ask}. */
  ask(to: Address, type: string, body: unknown, options: AskOptions | undefined, from?: Address): Promise<unknown> {
    if (this.#isClosed()) return Promise.reject(new ShnError('RUNTIME_CLOSED', 'runtime is closed'));
    if (this.#isShardDown(to.shard)) {
      return Promise.reject(new ShnError('RUNTIME_FAILED', `shard ${to.shard} is down for good`));
    }
    try {
      checkType(type);
      if (options?.deadline !== undefined && !(options.deadline > this.#clock.now())) {
        throw new ShnError('DEADLINE_EXCEEDED', `deadline of ${type} to ${to.actor} passed before it was sent`);
      }
      const timeout = options?.timeoutMs ?? this.#defaultTimeout;
      if (!(timeout > 0)) throw new ShnError('INVALID_ARGUMENT', `timeoutMs must be > 0, got ${String(timeout)}`);
      this.#correlation = (this.#correlation + 1) >>> 0 || 1;
      const env = this.#envelope(to, type, body, options, from, String(this.#correlation));
      return this.#hasAskMw ? this.#askChain(env) : this.#dispatchAsk(env);
    } catch (e) {
      return Promise.reject(toShnError(e, 'INVALID_ARGUMENT'));
    }
  }

  #envelope(
    to: Address,
    type: string,
    body: unknown,
    options: SendOptions | AskOptions | undefined,
    from: Address | undefined,
    correlationId: string | undefined,
  ): Envelope {
    let deadline = options?.deadline;
    const timeout = (options as AskOptions | undefined)?.timeoutMs;
    if (correlationId !== undefined && timeout !== undefined && Number.isFinite(timeout)) {
      const byTimeout = this.#clock.now() + timeout;
      deadline = deadline === undefined ? byTimeout : Math.min(deadline, byTimeout);
    }
    this.#callerDeadline = options?.deadline;
    const priority = options?.priority;
    if (priority !== undefined && (!Number.isInteger(priority) || priority < 0 || priority > 255)) {
      throw new ShnError('INVALID_ARGUMENT', `priority must be an integer in [0, 255], got ${String(priority)}`);
    }
    // Taken once: a send made inside middleware (or an actor) during this call is not of this type.
    const schema = this.#schema;
    this.#schema = undefined;
    return new OutboundEnvelope(
      to,
      from,
      type,
      body,
      options?.headers ?? NO_HEADERS,
      priority,
      deadline,
      correlationId,
      this.#mesh.self,
      ++this.#seq,
      schema,
    );
  }

  #dispatchTell(env: Envelope): 'accepted' | 'full' | 'closed' {
    if (this.#local !== undefined && env.to.shard === this.#mesh.self - 1) return this.#local(env, undefined);
    return this.#encodeAndSend(env, FrameKind.Tell, 0) ? 'accepted' : 'full';
  }

  #dispatchAsk(env: Envelope): Promise<unknown> {
    const correlation = Number(env.correlationId) >>> 0;
    const timeout = env.deadline === undefined ? this.#defaultTimeout : Math.max(0, env.deadline - this.#clock.now());
    const code = env.deadline !== undefined && env.deadline === this.#callerDeadline ? 'DEADLINE_EXCEEDED' : 'TIMEOUT';
    return new Promise<unknown>((resolve, reject) => {
      const p: Pending = { resolve, reject, handle: undefined, shard: env.to.shard };
      if (Number.isFinite(timeout)) {
        p.handle = this.#timer.setTimeout(() => {
          if (this.#pending.delete(correlation)) {
            reject(new ShnError(code, `ask ${env.type} to ${env.to.actor} got no reply within ${Math.round(timeout)} ms`));
          }
        }, timeout);
      }
      this.#pending.set(correlation, p);
      if (this.#local !== undefined && env.to.shard === this.#mesh.self - 1) {
        const r = this.#local(env, (err, result) => this.#settle(correlation, err, result));
        if (r !== 'accepted') this.#settle(correlation, refused(r, env), undefined);
        return;
      }
      try {
        if (!this.#encodeAndSend(env, FrameKind.Ask, correlation)) this.#settle(correlation, refused('full', env), undefined);
      } catch (e) {
        const err = toShnError(e, 'ENCODE_FAILED');
        this.#lost(env.to, env.type, env.correlationId, err);
        this.#settle(correlation, err, undefined);
      }
    });
  }

  #encodeAndSend(env: Envelope, kind: FrameKind, correlation: number): boolean {
    const f = this.#frame;
    f.kind = kind;
    f.priority = env.priority ?? 0;
    f.correlation = correlation;
    f.seq = this.#seq;
    f.sender = this.#mesh.self;
    f.shard = env.to.shard;
    f.deadline = env.deadline;
    f.type = env.type;
    f.actor = env.to.actor;
    f.from = env.from?.actor;
    f.headers = env.headers;
    f.body = env.body;
    f.schema = env instanceof OutboundEnvelope ? env.schema : undefined;
    return this.#sendFrame(env.to.shard + 1);
  }

  /** Encodes the frame in {@link #frame} towards thread `to` (in place for a declared type); clears its body. */
  #sendFrame(to: number): boolean {
    const f = this.#frame;
    const schema = f.schema;
    try {
      if (schema !== undefined) {
        // A declared type: encode straight into the ring when its worst case fits a frame.
        const max = maxSchemaFrameBytes(f);
        if (max <= this.#mesh.maxFrameSize(to)) return this.#mesh.sendInPlace(to, f, max);
      }
      const w = this.#writer;
      w.reset();
      writeFrame(w, f);
      return this.#mesh.send(to, w);
    } finally {
      f.body = undefined;
      f.schema = undefined;
    }
  }

  /**
   * Sends a reply frame for an ask received from thread `to`. Returns false if the ring was
   * full (the caller retries later; replies are never dropped silently). A reply that cannot
   * cross (not encodable, or larger than the ring's largest frame) is replaced by an error reply
   * (`ENCODE_FAILED` / `MESSAGE_TOO_LARGE`, naming the size and the limit) and reported as a
   * `message-lost` event, so the asker learns at once instead of timing out.
   */
  sendReply(to: number, correlation: number, error: ShnError | undefined, result: unknown, about?: Pick<Envelope, 'to' | 'type'>): boolean {
    const f = this.#frame;
    f.kind = error === undefined ? FrameKind.Reply : FrameKind.ReplyError;
    f.priority = 0;
    f.correlation = correlation;
    f.seq = 0;
    f.sender = this.#mesh.self;
    f.shard = 0;
    f.deadline = undefined;
    f.headers = undefined;
    f.from = undefined;
    f.schema = about instanceof InboundEnvelope ? InboundEnvelope.schema(about) : undefined;
    const w = this.#writer;
    w.reset();
    const limit = this.#mesh.maxFrameSize(to);
    try {
      f.body = error ?? result;
      writeFrame(w, f);
      if (w.pos > limit) throw tooLarge(w.pos, limit);
    } catch (e) {
      // The reply value itself cannot cross threads: tell the asker why instead.
      const err = toShnError(e, 'ENCODE_FAILED');
      const why = new ShnError(err.code, `the reply could not be sent: ${err.message}`, err.details === undefined ? {} : { details: err.details });
      this.#lost(about?.to ?? { node: this.node, shard: this.#mesh.self - 1, actor: 'unknown/unknown' }, about?.type ?? 'reply', String(correlation), why);
      f.kind = FrameKind.ReplyError;
      f.schema = undefined;
      f.body = why;
      w.reset();
      writeFrame(w, f);
      if (w.pos > limit) {
        f.body = new ShnError(err.code, 'the reply could not be sent (and its error does not fit either)');
        w.reset();
        writeFrame(w, f);
      }
    }
    f.body = undefined;
    f.schema = undefined;
    return this.#mesh.send(to, w, true);
  }

  /** Decodes a frame into a reused object (copy what you keep before the next decode). Throws `DECODE_FAILED`. */
  decode(bytes: Uint8Array, offset: number, length: number): FrameFields {
    this.#reader.reset(bytes, offset, length);
    return readFrame(this.#reader, this.#decoded, this.#schemas);
  }

  /** Settles the ask `correlation` (unknown ids are stale replies and are ignored). */
  settleReply(f: FrameFields): void {
    if (f.kind === FrameKind.Reply) this.#settle(f.correlation, undefined, f.body);
    else this.#settle(f.correlation, toShnError(f.body, 'ACTOR_FAILED'), undefined);
  }

  #settle(correlation: number, error: ShnError | undefined, result: unknown): void {
    const p = this.#pending.get(correlation);
    if (p === undefined) return;
    this.#pending.delete(correlation);
    if (p.handle !== undefined) this.#timer.clearTimeout(p.handle);
    if (error !== undefined) p.reject(error);
    else p.resolve(result);
  }

  /** Rejects one pending ask (its message was lost). */
  rejectAsk(correlation: number, error: ShnError): void {
    this.#settle(correlation, error, undefined);
  }

  /** Rejects every pending ask, or only those to `shard`. */
  rejectAll(error: ShnError, shard?: number): void {
    for (const [c, p] of [...this.#pending]) if (shard === undefined || p.shard === shard) this.#settle(c, error, undefined);
  }
}

function checkType(type: unknown): void {
  if (typeof type !== 'string' || type.length === 0 || type.length > 256) {
    throw new ShnError('INVALID_ARGUMENT', 'message type must be a non-empty string of at most 256 chars');
  }
}

function refused(r: 'full' | 'closed' | 'accepted', env: Envelope): ShnError {
  return r === 'closed'
    ? new ShnError('RUNTIME_CLOSED', `runtime is closing; ${env.type} to ${env.to.actor} not sent`)
    : new ShnError('MAILBOX_FULL', `mailbox of ${env.to.actor} on shard ${env.to.shard} is full`);
}
