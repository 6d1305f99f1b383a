import { ShnError } from '@shn/core';
import type { Rng } from '@shn/core';
import { sampleLatency, validateLatencyDistribution } from './chaos/latency-distribution.js';
import type { LatencyDistribution } from './chaos/latency-distribution.js';
import type { Kernel, NetworkPayload } from './internal/kernel.js';

/** How one directed link between two nodes behaves. */
export interface LinkConfig {
  /** One-way delay of each message, virtual ms. Default uniform 1–5 ms. */
  readonly latency: LatencyDistribution;
  /** Chance in [0, 1] that a message is lost. Default 0. */
  readonly loss: number;
  /** Chance in [0, 1] that a message is delivered twice (the copy has its own delay). Default 0. */
  readonly duplicate: number;
  /**
   * Chance in [0, 1] that a message leaves per-link FIFO order: it gets an extra delay and may
   * be overtaken by (or overtake) other messages. Default 0: links are FIFO, as the core
   * Transport contract and the runtime's per-pair ordering promise.
   */
  readonly reorder: number;
}

/** Counters of what the network did. */
export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  reordered: number;
}

/** The default link: uniform 1–5 ms, no loss, no duplication, FIFO. */
export const DEFAULT_LINK: LinkConfig = Object.freeze({
  latency: Object.freeze({ kind: 'uniform', minMs: 1, maxMs: 5 }) as LatencyDistribution,
  loss: 0,
  duplicate: 0,
  reorder: 0,
});

/**
 * Checks a partial link configuration given as untrusted data.
 * @throws ShnError `INVALID_ARGUMENT` for a probability outside [0, 1], an invalid latency
 *   distribution or an unknown field.
 */
export function validateLinkConfig(value: unknown, where = 'link'): Partial<LinkConfig> {
  if (typeof value !== 'object' || value === null) throw new ShnError('INVALID_ARGUMENT', `${where} must be an object`);
  const out: { -readonly [K in keyof LinkConfig]?: LinkConfig[K] } = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'latency') out.latency = validateLatencyDistribution(v, `${where}.latency`);
    else if (k === 'loss' || k === 'duplicate' || k === 'reorder') {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new ShnError('INVALID_ARGUMENT', `${where}.${k} must be a probability in [0, 1], got ${JSON.stringify(v)}`);
      }
      out[k] = v;
    } else throw new ShnError('INVALID_ARGUMENT', `${where} has an unknown field ${JSON.stringify(k)}`);
  }
  return out;
}

const linkKey = (from: string, to: string): string => `${from}\u0000${to}`;
const roundUs = (ms: number): number => Math.round(ms * 1000) / 1000;

/**
 * The simulated network between the nodes of a simulation. Every message gets a seeded delay
 * from its link's latency distribution and may be lost, duplicated or reordered; partitions
 * (symmetric, one-way, isolating a node, bridged) and clogs change over time, usually from a
 * schedule the scenario sets up with `sim.at(...)`. A partition drops messages sent across it
 * and also messages already in flight when they would arrive. Messages a node sends to itself
 * take no time and are never lost.
 */
export class SimNetwork {
  readonly #kernel: Kernel;
  readonly #rng: Rng;
  #defaults: LinkConfig = DEFAULT_LINK;
  readonly #links = new Map<string, LinkConfig>();
  readonly #blocked = new Set<string>();
  readonly #clogUntil = new Map<string, number>();
  readonly #lastArrival = new Map<string, number>();
  #nextMessage = 0;
  /** Counters of what the network did so far. */
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, reordered: 0 };

  /** @internal Created by the Simulation. */
  constructor(kernel: Kernel, rng: Rng) {
    this.#kernel = kernel;
    this.#rng = rng;
  }

  /**
   * Changes the default configuration of every link (links configured one by one keep their
   * own fields).
   * @throws ShnError `INVALID_ARGUMENT` for invalid fields.
   */
  configure(config: Partial<LinkConfig>): void {
    this.#defaults = { ...this.#defaults, ...validateLinkConfig(config, 'network') };
    this.#kernel.log('net', `configure ${describeLink(this.#defaults)}`);
  }

  /**
   * Configures the directed link `from → to` (both directions with `symmetric`).
   * @throws ShnError `INVALID_ARGUMENT` for unknown nodes or invalid fields.
   */
  configureLink(from: string, to: string, config: Partial<LinkConfig>, options: { symmetric?: boolean } = {}): void {
    this.#checkNodes([from, to]);
    const clean = validateLinkConfig(config, `link ${from}->${to}`);
    const set = (a: string, b: string): void => {
      const k = linkKey(a, b);
      this.#links.set(k, { ...(this.#links.get(k) ?? this.#defaults), ...clean });
    };
    set(from, to);
    if (options.symmetric === true) set(to, from);
    this.#kernel.log('net', `link ${from}->${to}${options.symmetric === true ? ' (both ways)' : ''} ${JSON.stringify(clean)}`);
  }

  /** The configuration in force on `from → to`. */
  linkConfig(from: string, to: string): LinkConfig {
    return this.#links.get(linkKey(from, to)) ?? this.#defaults;
  }

  /** Cuts the directed link `from → to`. @throws ShnError `INVALID_ARGUMENT` for unknown nodes. */
  block(from: string, to: string): void {
    this.#checkNodes([from, to]);
    this.#blocked.add(linkKey(from, to));
    this.#kernel.log('net', `block ${from}->${to}`);
  }

  /** Restores the directed link `from → to`. @throws ShnError `INVALID_ARGUMENT` for unknown nodes. */
  unblock(from: string, to: string): void {
    this.#checkNodes([from, to]);
    this.#blocked.delete(linkKey(from, to));
    this.#kernel.log('net', `unblock ${from}->${to}`);
  }

  /** True if messages from `from` to `to` are currently dropped by a partition. */
  isBlocked(from: string, to: string): boolean {
    return this.#blocked.has(linkKey(from, to));
  }

  /**
   * Partitions `a` from `b`: every link between the two groups is cut, both ways, or only
   * `a → b` with `oneWay`. Links inside each group are untouched.
   * @throws ShnError `INVALID_ARGUMENT` for unknown nodes, empty groups or overlapping groups.
   */
  partition(a: readonly string[], b: readonly string[], options: { oneWay?: boolean } = {}): void {
    this.#checkGroups(a, b);
    for (const x of a) {
      for (const y of b) {
        this.#blocked.add(linkKey(x, y));
        if (options.oneWay !== true) this.#blocked.add(linkKey(y, x));
      }
    }
    this.#kernel.log('net', `partition [${a.join(',')}] ${options.oneWay === true ? '-/->' : '<-/->'} [${b.join(',')}]`);
  }

  /**
   * Cuts `node` off from every other node, both ways (e.g. isolate the leader).
   * @throws ShnError `INVALID_ARGUMENT` for an unknown node.
   */
  isolate(node: string): void {
    this.#checkNodes([node]);
    for (const other of this.#kernel.nodeNames()) {
      if (other === node) continue;
      this.#blocked.add(linkKey(node, other));
      this.#blocked.add(linkKey(other, node));
    }
    this.#kernel.log('net', `isolate ${node}`);
  }

  /**
   * Jepsen's bridge: the groups `a` and `b` cannot reach each other, but `bridge` (in neither
   * group) still reaches both, so it is the only path between the halves.
   * @throws ShnError `INVALID_ARGUMENT` for unknown nodes, overlapping groups or a bridge inside one.
   */
  bridge(a: readonly string[], b: readonly string[], bridge: string): void {
    this.#checkGroups(a, b);
    this.#checkNodes([bridge]);
    if (a.includes(bridge) || b.includes(bridge)) throw new ShnError('INVALID_ARGUMENT', `bridge node ${bridge} must be in neither group`);
    for (const x of a) {
      for (const y of b) {
        this.#blocked.add(linkKey(x, y));
        this.#blocked.add(linkKey(y, x));
      }
    }
    this.#kernel.log('net', `bridge [${a.join(',')}] <-${bridge}-> [${b.join(',')}]`);
  }

  /** Removes every partition (clogs and link settings stay). */
  heal(): void {
    this.#blocked.clear();
    this.#kernel.log('net', 'heal');
  }

  /**
   * Clogs `from → to` (both ways with `symmetric`) for `durationMs`: messages are held, not
   * lost, and arrive no earlier than the end of the clog.
   * @throws ShnError `INVALID_ARGUMENT` for unknown nodes or a negative/non-finite duration.
   */
  clog(from: string, to: string, durationMs: number, options: { symmetric?: boolean } = {}): void {
    this.#checkNodes([from, to]);
    checkDuration(durationMs);
    const until = this.#kernel.now + durationMs;
    const set = (a: string, b: string): void => {
      const k = linkKey(a, b);
      this.#clogUntil.set(k, Math.max(this.#clogUntil.get(k) ?? 0, until));
    };
    set(from, to);
    if (options.symmetric === true) set(to, from);
    this.#kernel.log('net', `clog ${from}->${to}${options.symmetric === true ? ' (both ways)' : ''} for ${durationMs}ms`);
  }

  /**
   * Sends one payload. Used by nodes and transports; exposed for custom harnesses.
   * @internal
   */
  send(from: string, to: string, payload: NetworkPayload, what: string): void {
    const k = this.#kernel;
    const id = `m${this.#nextMessage++}`;
    this.stats.sent++;
    if (from === to) {
      k.log('send', `${id} ${from}->${to} ${what}`);
      k.schedule(0, () => this.#arrive(id, from, to, payload, what, false), k.node(to));
      return;
    }
    if (this.isBlocked(from, to)) {
      this.stats.dropped++;
      k.log('drop', `${id} ${from}->${to} partitioned ${what}`);
      return;
    }
    const cfg = this.linkConfig(from, to);
    if (cfg.loss > 0 && this.#rng.next() < cfg.loss) {
      this.stats.dropped++;
      k.log('drop', `${id} ${from}->${to} lost ${what}`);
      return;
    }
    const copies = cfg.duplicate > 0 && this.#rng.next() < cfg.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    const lk = linkKey(from, to);
    const arrivals: number[] = [];
    for (let c = 0; c < copies; c++) {
      let arrival = k.now + roundUs(sampleLatency(cfg.latency, this.#rng));
      arrival = Math.max(arrival, this.#clogUntil.get(lk) ?? 0);
      const reordered = cfg.reorder > 0 && this.#rng.next() < cfg.reorder;
      if (reordered) {
        this.stats.reordered++;
        arrival += roundUs(sampleLatency(cfg.latency, this.#rng));
      } else {
        arrival = Math.max(arrival, this.#lastArrival.get(lk) ?? 0);
        this.#lastArrival.set(lk, arrival);
      }
      arrivals.push(arrival);
      k.schedule(arrival - k.now, () => this.#arrive(id, from, to, payload, what, c === 1), k.node(to));
    }
    k.log('send', `${id} ${from}->${to} at ${arrivals.map((a) => a.toFixed(3)).join('+')} ${what}`);
  }

  #arrive(id: string, from: string, to: string, payload: NetworkPayload, what: string, copy: boolean): void {
    const k = this.#kernel;
    const tag = copy ? `${id}'` : id;
    if (this.isBlocked(from, to)) {
      this.stats.dropped++;
      k.log('drop', `${tag} ${from}->${to} partitioned in flight ${what}`);
      return;
    }
    const node = k.node(to);
    if (node === undefined || !node.up) {
      this.stats.dropped++;
      k.log('drop', `${tag} ${from}->${to} node down ${what}`);
      return;
    }
    this.stats.delivered++;
    k.log('deliver', `${tag} ${from}->${to} ${what}`);
    node.deliver(payload, from);
  }

  #checkNodes(names: readonly string[]): void {
    for (const n of names) {
      if (typeof n !== 'string' || this.#kernel.node(n) === undefined) throw new ShnError('INVALID_ARGUMENT', `unknown node ${JSON.stringify(n)}`);
    }
  }

  #checkGroups(a: readonly string[], b: readonly string[]): void {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length === 0 || b.length === 0) {
      throw new ShnError('INVALID_ARGUMENT', 'partition groups must be non-empty arrays of node names');
    }
    this.#checkNodes(a);
    this.#checkNodes(b);
    for (const x of a) if (b.includes(x)) throw new ShnError('INVALID_ARGUMENT', `node ${x} is in both partition groups`);
  }
}

function checkDuration(ms: unknown): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new ShnError('INVALID_ARGUMENT', `duration must be a finite number of ms >= 0, got ${String(ms)}`);
}

function describeLink(c: LinkConfig): string {
  return JSON.stringify(c);
}
