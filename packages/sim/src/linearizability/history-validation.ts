import { ShnError } from '@shn/core';
import type { Operation } from './types.js';

function invalid(message: string): ShnError {
  return new ShnError('INVALID_ARGUMENT', message);
}

/** Throws ShnError `INVALID_ARGUMENT` unless `model` has `init` and `step` functions (and optional hooks are functions). */
export function validateModel(model: unknown): void {
  if (typeof model !== 'object' || model === null) throw invalid('linearizability: model must be an object with init() and step()');
  const m = model as Record<string, unknown>;
  if (typeof m.init !== 'function' || typeof m.step !== 'function') {
    throw invalid('linearizability: model must have init() and step() functions');
  }
  for (const hook of ['partition', 'equal', 'hash', 'describe']) {
    if (m[hook] !== undefined && typeof m[hook] !== 'function') throw invalid(`linearizability: model.${hook} must be a function when present`);
  }
}

/**
 * Throws ShnError `INVALID_ARGUMENT` unless every operation has a safe-integer `clientId`, a
 * finite `call` and a `return` that is `>= call` (`+Infinity` allowed: pending).
 */
export function validateOperations(ops: unknown): asserts ops is Operation[] {
  if (!Array.isArray(ops)) throw invalid('linearizability: operations must be an array');
  ops.forEach((op: unknown, i) => {
    if (typeof op !== 'object' || op === null) throw invalid(`linearizability: operation #${i} is not an object`);
    const o = op as Record<string, unknown>;
    if (!Number.isSafeInteger(o.clientId)) throw invalid(`linearizability: operation #${i} has clientId ${String(o.clientId)}, expected a safe integer`);
    if (typeof o.call !== 'number' || !Number.isFinite(o.call)) throw invalid(`linearizability: operation #${i} has call time ${String(o.call)}, expected a finite number`);
    if (typeof o.return !== 'number' || Number.isNaN(o.return) || o.return === -Infinity) {
      throw invalid(`linearizability: operation #${i} has return time ${String(o.return)}, expected a number (Infinity for pending)`);
    }
    if (o.return < o.call) throw invalid(`linearizability: operation #${i} returns (t=${o.return}) before its call (t=${o.call})`);
  });
}

/**
 * Turns a call/return event log into operations. A call without a return becomes a pending
 * operation (`return: Infinity`, `output: undefined`). Throws ShnError `INVALID_ARGUMENT` on
 * a non-array, a malformed event, a non-finite time or id, a duplicate call id, a return
 * without a call, a duplicate return, a return listed before its call or timed before it,
 * and a return whose clientId differs from its call's.
 */
export function eventsToOperations(events: unknown): Operation[] {
  if (!Array.isArray(events)) throw invalid('linearizability: events must be an array');
  const calls = new Map<number, { index: number; clientId: number; input: unknown; time: number }>();
  const returns = new Map<number, { output: unknown; time: number }>();
  events.forEach((ev: unknown, i) => {
    if (typeof ev !== 'object' || ev === null) throw invalid(`linearizability: event #${i} is not an object`);
    const e = ev as Record<string, unknown>;
    if (e.kind !== 'call' && e.kind !== 'return') throw invalid(`linearizability: event #${i} has kind ${String(e.kind)}, expected 'call' or 'return'`);
    if (typeof e.id !== 'number' || !Number.isFinite(e.id)) throw invalid(`linearizability: event #${i} has id ${String(e.id)}, expected a finite number`);
    if (!Number.isSafeInteger(e.clientId)) throw invalid(`linearizability: event #${i} has clientId ${String(e.clientId)}, expected a safe integer`);
    if (typeof e.time !== 'number' || !Number.isFinite(e.time)) throw invalid(`linearizability: event #${i} (id ${e.id}) has time ${String(e.time)}, expected a finite number`);
    const id = e.id;
    const clientId = e.clientId as number;
    if (e.kind === 'call') {
      if (calls.has(id)) throw invalid(`linearizability: duplicate call for id ${id} (event #${i})`);
      if (returns.has(id)) throw invalid(`linearizability: the return for id ${id} comes before its call (event #${i})`);
      calls.set(id, { index: i, clientId, input: e.input, time: e.time });
      return;
    }
    const call = calls.get(id);
    if (call === undefined) throw invalid(`linearizability: unmatched return for id ${id} (event #${i}): no call before it`);
    if (returns.has(id)) throw invalid(`linearizability: duplicate return for id ${id} (event #${i})`);
    if (call.clientId !== clientId) throw invalid(`linearizability: return for id ${id} (event #${i}) has clientId ${clientId}, its call has ${call.clientId}`);
    if (e.time < call.time) throw invalid(`linearizability: return for id ${id} (t=${e.time}) is before its call (t=${call.time})`);
    returns.set(id, { output: e.output, time: e.time });
  });
  const ops: Operation[] = [];
  for (const [id, call] of calls) {
    const ret = returns.get(id);
    ops.push({
      clientId: call.clientId,
      input: call.input,
      call: call.time,
      output: ret === undefined ? undefined : ret.output,
      return: ret === undefined ? Infinity : ret.time,
    });
  }
  return ops;
}
