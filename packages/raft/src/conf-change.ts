import { ShnError } from '@shn/core';
import type { ConfChange, ConfChangeItem, ConfState, NodeId } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const TYPES = ['add-voter', 'add-learner', 'remove'];
const TRANSITIONS = ['auto', 'joint-auto', 'joint-explicit'];

/** Throws `INVALID_ARGUMENT` unless `id` is a valid node id (1–128 chars). */
export function assertNodeId(id: unknown, what = 'node id'): asserts id is NodeId {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
    throw new ShnError('INVALID_ARGUMENT', `${what} must be a string of 1 to 128 characters, got ${JSON.stringify(id)}`);
  }
}

/**
 * Validates a configuration change.
 * @throws ShnError `INVALID_ARGUMENT` naming the bad field.
 */
export function checkConfChange(cc: unknown): ConfChange {
  if (typeof cc !== 'object' || cc === null || !Array.isArray((cc as ConfChange).changes)) {
    throw new ShnError('INVALID_ARGUMENT', 'conf change must be { changes: [{ type, node }], transition? }');
  }
  const c = cc as ConfChange;
  if (c.transition !== undefined && !TRANSITIONS.includes(c.transition)) {
    throw new ShnError('INVALID_ARGUMENT', `conf change transition must be ${TRANSITIONS.join('|')}, got ${JSON.stringify(c.transition)}`);
  }
  for (const ch of c.changes) {
    if (typeof ch !== 'object' || ch === null || !TYPES.includes(ch.type)) {
      throw new ShnError('INVALID_ARGUMENT', `conf change item type must be ${TYPES.join('|')}, got ${JSON.stringify(ch)}`);
    }
    assertNodeId(ch.node, 'conf change node');
  }
  return { changes: c.changes.map((x) => ({ type: x.type, node: x.node })), ...(c.transition === undefined ? {} : { transition: c.transition }) };
}

/** Encodes a conf change as the data of a `conf` entry. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  return encoder.encode(JSON.stringify(checkConfChange(cc)));
}

/**
 * Decodes a `conf` entry's data.
 * @throws ShnError `DECODE_FAILED` on malformed bytes.
 */
export function decodeConfChange(data: Uint8Array): ConfChange {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch (cause) {
    throw new ShnError('DECODE_FAILED', `conf change entry is not valid: ${(cause as Error).message}`, { cause });
  }
  try {
    return checkConfChange(parsed);
  } catch (cause) {
    throw new ShnError('DECODE_FAILED', `conf change entry is not valid: ${(cause as Error).message}`, { cause });
  }
}

/** True if the change leaves a joint configuration (an empty change list). */
export function isLeaveJoint(cc: ConfChange): boolean {
  return cc.changes.length === 0;
}

function without(list: readonly NodeId[], id: NodeId): NodeId[] {
  return list.filter((x) => x !== id);
}

function withId(list: readonly NodeId[], id: NodeId): NodeId[] {
  return list.includes(id) ? [...list] : [...list, id];
}

function applyItems(base: ConfState, items: readonly ConfChangeItem[]): ConfState {
  let voters = [...base.voters];
  let learners = [...base.learners];
  let learnersNext = [...base.learnersNext];
  for (const { type, node } of items) {
    if (type === 'add-voter') {
      learners = without(learners, node);
      learnersNext = without(learnersNext, node);
      voters = withId(voters, node);
    } else if (type === 'add-learner') {
      voters = without(voters, node);
      if (base.votersOutgoing.includes(node)) {
        learnersNext = withId(learnersNext, node);
      } else {
        learners = withId(learners, node);
      }
    } else {
      voters = without(voters, node);
      learners = without(learners, node);
      learnersNext = without(learnersNext, node);
    }
  }
  return { voters, votersOutgoing: base.votersOutgoing, learners, learnersNext, autoLeave: base.autoLeave };
}

/**
 * Applies a configuration change to `conf` (the changer of etcd-raft): leave-joint, a simple
 * change (at most one voter changes) or entering joint consensus.
 * @throws ShnError `INVALID_ARGUMENT` for a change that is not allowed (entering joint twice,
 *   leaving when not joint, a simple change of more than one voter, removing every voter).
 */
export function applyConfChange(conf: ConfState, cc: ConfChange): ConfState {
  const joint = conf.votersOutgoing.length > 0;
  if (isLeaveJoint(cc)) {
    if (!joint) throw new ShnError('INVALID_ARGUMENT', 'cannot leave a joint configuration: not in one');
    const learners = [...new Set([...conf.learners, ...conf.learnersNext])];
    return { voters: [...conf.voters], votersOutgoing: [], learners, learnersNext: [], autoLeave: false };
  }
  if (joint) throw new ShnError('INVALID_ARGUMENT', 'a configuration change is not allowed while in a joint configuration (leave it first)');
  const transition = cc.transition ?? 'auto';
  const next = applyItems(conf, cc.changes);
  const before = new Set(conf.voters);
  const after = new Set(next.voters);
  let changed = 0;
  for (const v of before) if (!after.has(v)) changed++;
  for (const v of after) if (!before.has(v)) changed++;
  if (transition === 'auto' && changed <= 1) {
    if (next.voters.length === 0) throw new ShnError('INVALID_ARGUMENT', 'a configuration change may not remove every voter');
    return next;
  }
  const entered = applyItems({ ...conf, votersOutgoing: [...conf.voters] }, cc.changes);
  if (entered.voters.length === 0) throw new ShnError('INVALID_ARGUMENT', 'a configuration change may not remove every voter');
  return { ...entered, votersOutgoing: [...conf.voters], autoLeave: transition !== 'joint-explicit' };
}
