import type { ActorHostFactory, Envelope, Middleware } from '@shn/core';
import type { FaultPoints } from '../fault-points.js';
import type { QueuedEvent } from './event-queue.js';

/** What travels over the simulated network between nodes. @internal */
export type NetworkPayload =
  | { readonly t: 'env'; readonly env: Envelope }
  | { readonly t: 'reply'; readonly correlationId: string; readonly ok: boolean; readonly value: unknown }
  | { readonly t: 'frame'; readonly frame: Uint8Array };

/** The view of a node the kernel needs to schedule its events. @internal */
export interface NodeHandle {
  readonly name: string;
  readonly up: boolean;
  /** Incarnation number; grows at every crash. */
  readonly epoch: number;
  /** Virtual time (ms) until which the node is paused. */
  readonly pausedUntil: number;
  /** Hands a payload that arrived from `from` to the node. */
  deliver(payload: NetworkPayload, from: string): void;
}

/**
 * The narrow interface the simulation exposes to its network, nodes and transports, so those
 * files do not import the Simulation class (no import cycles). @internal
 */
export interface Kernel {
  /** Virtual time, ms since the start of the run. */
  readonly now: number;
  /** Epoch ms that virtual time 0 corresponds to. */
  readonly startEpochMs: number;
  /** Timeout for asks that give none, virtual ms. */
  readonly defaultAskTimeoutMs: number;
  readonly faults: FaultPoints;
  /** The default actor host of every node. */
  readonly host: ActorHostFactory;
  /** The default middleware of every node. */
  readonly middleware: readonly Middleware[];
  /**
   * Schedules `fire` after `delayMs` virtual ms. With an owner the event is deferred while the
   * owner is paused; with an `epoch` it is skipped if the owner crashed since.
   */
  schedule(delayMs: number, fire: () => void, owner?: NodeHandle, epoch?: number): QueuedEvent;
  /** Appends a line to the event log at the current step and time. */
  log(kind: string, detail: string): void;
  /** Sends a payload over the simulated network (faults apply). `what` describes it in the log. */
  send(from: string, to: string, payload: NetworkPayload, what: string): void;
  /** The node called `name`, if any. */
  node(name: string): NodeHandle | undefined;
  /** Every node name, in creation order. */
  nodeNames(): readonly string[];
}
