// Classic histories from porcupine's and Knossos' test suites, ported faithfully:
// porcupine (github.com/anishathalye/porcupine, porcupine_test.go) and Knossos
// (github.com/jepsen-io/knossos, test/knossos/*_test.clj and data/cas-register/**.edn).
import { describe, expect, it } from 'vitest';
import { checkEvents, checkOperations } from './check-linearizability.js';
import { createKvModel } from './kv-model.js';
import type { KvInput } from './kv-model.js';
import { c01Bad, c01Ok } from './porcupine-kv-logs.test-helper.js';
import { registerModel } from './register-model.js';
import type { HistoryEvent, Model, Operation } from './types.js';

// ---------------------------------------------------------------- porcupine

/** porcupine's registerModel: init 0, put always legal, get must return the state. */
const porcupineRegister = { ...registerModel, init: (): unknown => 0 };
const put = (value: number) => ({ op: 'write' as const, value });
const get = { op: 'read' as const };
const op = <I>(clientId: number, input: I, call: number, output: unknown, ret: number): Operation<I, unknown> => ({ clientId, input, call, output, return: ret });

describe('porcupine TestRegisterModel (6.824 2017 quiz 2, section VII)', () => {
  it('put(100) || get()->100 || get()->0 is linearizable (operations)', () => {
    const ops = [op(0, put(100), 0, 0, 100), op(1, get, 25, 100, 75), op(2, get, 30, 0, 60)];
    expect(checkOperations(porcupineRegister, ops)).toEqual({ outcome: 'ok' });
  });

  it('the same as events is linearizable', () => {
    const events: HistoryEvent[] = [
      { kind: 'call', clientId: 0, id: 0, input: put(100), time: 0 },
      { kind: 'call', clientId: 1, id: 1, input: get, time: 1 },
      { kind: 'call', clientId: 2, id: 2, input: get, time: 2 },
      { kind: 'return', clientId: 2, id: 2, output: 0, time: 3 },
      { kind: 'return', clientId: 1, id: 1, output: 100, time: 4 },
      { kind: 'return', clientId: 0, id: 0, output: 0, time: 5 },
    ];
    expect(checkEvents(porcupineRegister, events)).toEqual({ outcome: 'ok' });
  });

  it('get()->200 then a later get()->0 during put(200) is illegal (operations)', () => {
    const ops = [op(0, put(200), 0, 0, 100), op(1, get, 10, 200, 30), op(2, get, 40, 0, 90)];
    const r = checkOperations(porcupineRegister, ops);
    expect(r.outcome).toBe('illegal');
    if (r.outcome === 'illegal') expect(r.minimal).toHaveLength(3); // every op is needed
  });

  it('the same as events is illegal', () => {
    const events: HistoryEvent[] = [
      { kind: 'call', clientId: 0, id: 0, input: put(200), time: 0 },
      { kind: 'call', clientId: 1, id: 1, input: get, time: 1 },
      { kind: 'return', clientId: 1, id: 1, output: 200, time: 2 },
      { kind: 'call', clientId: 2, id: 2, input: get, time: 3 },
      { kind: 'return', clientId: 2, id: 2, output: 0, time: 4 },
      { kind: 'return', clientId: 0, id: 0, output: 0, time: 5 },
    ];
    expect(checkEvents(porcupineRegister, events).outcome).toBe('illegal');
  });
});

describe('porcupine TestZeroDuration', () => {
  it('zero-duration reads inside a put are linearizable', () => {
    const ops = [op(0, put(100), 0, 0, 100), op(1, get, 25, 100, 75), op(2, get, 30, 0, 30), op(3, get, 30, 0, 30)];
    expect(checkOperations(porcupineRegister, ops)).toEqual({ outcome: 'ok' });
  });

  it('zero-duration reads of 200 before a later read of 0 are illegal', () => {
    const ops = [op(0, put(200), 0, 0, 100), op(1, get, 10, 200, 10), op(2, get, 10, 200, 10), op(3, get, 40, 0, 90)];
    const r = checkOperations(porcupineRegister, ops);
    expect(r.outcome).toBe('illegal');
    if (r.outcome === 'illegal') expect(r.minimal).toHaveLength(3); // one of the two reads of 200 is redundant
  });
});

describe('porcupine TestSetModel (the Jepsen/Knossos set)', () => {
  type SetInput = { write: true; value: number } | { write: false };
  type SetOutput = { values?: number[]; unknown?: boolean } | undefined;
  const setModel: Model<number[], SetInput, SetOutput> = {
    init: () => [],
    step(st, input, output) {
      if (input.write) return { ok: true, state: st.includes(input.value) ? st : [...st, input.value].sort((a, b) => a - b) };
      const values = [...(output?.values ?? [])].sort((a, b) => a - b);
      const same = values.length === st.length && values.every((v, i) => v === st[i]);
      return { ok: output?.unknown === true || same, state: values };
    },
  };
  const history = (w1: number, w2: number, read: SetOutput): HistoryEvent[] => [
    { kind: 'call', clientId: 0, id: 0, input: { write: true, value: w1 }, time: 0 },
    { kind: 'call', clientId: 1, id: 1, input: { write: true, value: w2 }, time: 1 },
    { kind: 'call', clientId: 2, id: 2, input: { write: false }, time: 2 },
    { kind: 'return', clientId: 2, id: 2, output: read, time: 3 },
    { kind: 'return', clientId: 1, id: 1, output: undefined, time: 4 },
    { kind: 'return', clientId: 0, id: 0, output: undefined, time: 5 },
  ];
  it('classifies the four set histories as porcupine does', () => {
    expect(checkEvents(setModel, history(100, 0, { values: [100] })).outcome).toBe('ok');
    expect(checkEvents(setModel, history(100, 110, { values: [100, 110] })).outcome).toBe('ok');
    expect(checkEvents(setModel, history(100, 110, { values: [], unknown: true })).outcome).toBe('ok');
    expect(checkEvents(setModel, history(100, 110, { values: [100, 100, 110] })).outcome).toBe('illegal');
  });
});

/** porcupine's parseKvLog: Jepsen-style lines, one process, event index as time. */
function parseKvLog(text: string): HistoryEvent[] {
  const re = /^\{:process (\d+), :type :(invoke|ok), :f :(get|put|append), :key "(.*)", :value (nil|"(.*)")\}$/;
  const events: HistoryEvent[] = [];
  const open = new Map<number, number>();
  let id = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = re.exec(line);
    if (m === null) throw new Error(`unparsed line ${line}`);
    const [, proc, type, f, key, , value] = m as unknown as [string, string, string, 'get' | 'put' | 'append', string, string, string | undefined];
    const clientId = Number(proc);
    const time = events.length;
    if (type === 'invoke') {
      const input: KvInput = f === 'get' ? { op: 'get', key } : { op: f, key, value: value ?? '' };
      events.push({ kind: 'call', clientId, id, input, time });
      open.set(clientId, id++);
    } else {
      const callId = open.get(clientId) as number;
      open.delete(clientId);
      events.push({ kind: 'return', clientId, id: callId, output: f === 'get' ? value : undefined, time });
    }
  }
  return events;
}

describe('porcupine kv logs (TestKv1ClientOk / TestKv1ClientBad)', () => {
  const kv = createKvModel({ missing: '' }); // porcupine's kv model reads '' for a missing key
  it('c01-ok is linearizable', () => {
    expect(checkEvents(kv, parseKvLog(c01Ok))).toEqual({ outcome: 'ok' });
  });
  it('c01-bad is not, and the minimal history is the stale read of key 7', () => {
    const r = checkEvents(kv, parseKvLog(c01Bad));
    expect(r.outcome).toBe('illegal');
    if (r.outcome !== 'illegal') return;
    // append(7, x 0 3 y) completes before get(7) returns only "x 0 0 y": those two ops and the first append suffice
    expect(r.minimal.map((o) => o.input)).toEqual([
      { op: 'append', key: '7', value: 'x 0 0 y' },
      { op: 'append', key: '7', value: 'x 0 3 y' },
      { op: 'get', key: '7' },
    ]);
    expect(r.explanation).toContain("get('7') -> 'x 0 0 y'");
  });
});

// ---------------------------------------------------------------- Knossos

type KnossosOp = { process: number; type: 'invoke' | 'ok' | 'fail' | 'info'; f: 'read' | 'write' | 'cas'; value: unknown };
type CasInput = { f: 'read' } | { f: 'write'; value: unknown } | { f: 'cas'; from: unknown; to: unknown };

/** Knossos' cas-register: a read of nil (unknown value) is always legal; a successful cas needs state = from. */
const casRegister = (initial: unknown): Model<unknown, CasInput, unknown> => ({
  init: () => initial,
  step(state, input, output) {
    if (input.f === 'write') return { ok: true, state: input.value };
    if (input.f === 'cas') return state === input.from ? { ok: true, state: input.to } : { ok: false, state };
    return { ok: output === null || output === undefined || output === state, state };
  },
});

/**
 * Knossos history → events, with Knossos' semantics: `:fail` means the op did not happen (its
 * invocation is dropped), `:info` means it crashed (pending: it may or may not have happened).
 * The index in the history is the time.
 */
function knossosEvents(history: KnossosOp[]): HistoryEvent[] {
  const open = new Map<number, { id: number; index: number }>();
  const failed = new Set<number>();
  const raw: (HistoryEvent & { index: number })[] = [];
  history.forEach((h, index) => {
    if (h.type === 'invoke') {
      const input: CasInput =
        h.f === 'read' ? { f: 'read' } : h.f === 'write' ? { f: 'write', value: h.value } : { f: 'cas', from: (h.value as unknown[])[0], to: (h.value as unknown[])[1] };
      open.set(h.process, { id: index, index });
      raw.push({ kind: 'call', clientId: h.process, id: index, input, time: index, index });
      return;
    }
    const call = open.get(h.process);
    if (call === undefined) throw new Error(`completion without invocation at ${index}`);
    open.delete(h.process);
    if (h.type === 'fail') failed.add(call.id);
    else if (h.type === 'ok') raw.push({ kind: 'return', clientId: h.process, id: call.id, output: h.f === 'read' ? h.value : undefined, time: index, index });
    // 'info': leave the call pending
  });
  return raw.filter((e) => !failed.has(e.id)).map(({ index: _index, ...e }) => e);
}

const inv = (process: number, f: KnossosOp['f'], value: unknown): KnossosOp => ({ process, type: 'invoke', f, value });
const ok = (process: number, f: KnossosOp['f'], value: unknown): KnossosOp => ({ process, type: 'ok', f, value });
const fail = (process: number, f: KnossosOp['f'], value: unknown): KnossosOp => ({ process, type: 'fail', f, value });
const info = (process: number, f: KnossosOp['f'], value: unknown): KnossosOp => ({ process, type: 'info', f, value });

describe('Knossos wgl_test / linear_test', () => {
  it('crash-test: a crashed (info) write is linearizable', () => {
    expect(checkEvents(casRegister(0), knossosEvents([inv(0, 'write', 1), info(0, 'write', 1)])).outcome).toBe('ok');
  });
  it('sequential-test: read 0 from register 0', () => {
    expect(checkEvents(casRegister(0), knossosEvents([inv(0, 'read', 0), ok(0, 'read', 0)])).outcome).toBe('ok');
  });
  it('preserves-indices-test: write 1 then read 2 is illegal', () => {
    const r = checkEvents(casRegister(0), knossosEvents([inv(0, 'write', 1), ok(0, 'write', 1), inv(0, 'read', 2), ok(0, 'read', 2)]));
    expect(r.outcome).toBe('illegal');
  });
  it('read-wrong-initial-value-test: read 1 from register 0 is illegal, minimal = that read', () => {
    const r = checkEvents(casRegister(0), knossosEvents([inv(0, 'read', 1), ok(0, 'read', 1)]));
    expect(r.outcome).toBe('illegal');
    if (r.outcome === 'illegal') expect(r.minimal).toEqual([{ clientId: 0, input: { f: 'read' }, call: 0, output: 1, return: 1 }]);
  });
  it('rethink-fail-minimal: a read of 3 concurrent with write 4 after write 0 is illegal; the read alone is the minimal history', () => {
    // data/cas-register/bad/rethink-fail-minimal.edn, checked against (cas-register nil)
    const h = [inv(0, 'write', 0), ok(0, 'write', 0), inv(1, 'read', null), inv(2, 'write', 4), ok(1, 'read', 3), ok(2, 'write', 4), inv(3, 'read', null), ok(3, 'read', 4)];
    const r = checkEvents(casRegister(null), knossosEvents(h));
    expect(r.outcome).toBe('illegal');
    if (r.outcome === 'illegal') expect(r.minimal).toEqual([{ clientId: 1, input: { f: 'read' }, call: 2, output: 3, return: 4 }]);
  });
  it('bad-analysis: spurious concurrent reads of 3 and 2 after write 0 are illegal', () => {
    // data/cas-register/bad/bad-analysis.edn, checked against (cas-register 0)
    const h = [
      inv(4, 'write', 2), ok(4, 'write', 2), inv(6, 'read', null), inv(1, 'write', 4), ok(1, 'write', 4),
      inv(14, 'read', 4), ok(14, 'read', 4), inv(9, 'write', 0), ok(9, 'write', 0),
      inv(19, 'read', 0), inv(20, 'write', 1), ok(19, 'read', 0),
      inv(22, 'read', 3), inv(21, 'read', 2), ok(21, 'read', 2), ok(22, 'read', 3),
    ];
    const r = checkEvents(casRegister(0), knossosEvents(h));
    expect(r.outcome).toBe('illegal');
    if (r.outcome === 'illegal') {
      expect(r.minimal.length).toBeLessThanOrEqual(3);
      expect(r.minimal.some((o) => o.clientId === 21 || o.clientId === 22)).toBe(true);
    }
  });
  it('immediate-failure: a read of 3 when the write of 3 failed is illegal', () => {
    // data/cas-register/bad/immediate-failure.edn
    const h = [inv(1, 'read', null), inv(101, 'write', 3), fail(101, 'write', 3), ok(1, 'read', 3)];
    expect(checkEvents(casRegister(0), knossosEvents(h)).outcome).toBe('illegal');
  });
  it('cas-register-bug / core_test history-a (with a never-completed read) is linearizable', () => {
    // data/cas-register/good/cas-register-bug.edn
    const h = [
      inv(4, 'write', 2), ok(4, 'write', 2), inv(6, 'read', null), inv(1, 'write', 4), ok(1, 'write', 4),
      inv(14, 'read', 4), ok(14, 'read', 4), inv(9, 'write', 0), ok(9, 'write', 0), inv(19, 'read', 0), ok(19, 'read', 0),
    ];
    expect(checkEvents(casRegister(0), knossosEvents(h)).outcome).toBe('ok');
  });
});

describe('Knossos core_test linearizations-test', () => {
  it('simple read-write race with one linearization', () => {
    const h = [inv(0, 'read', 0), ok(0, 'read', 0), inv(0, 'read', 1), inv(1, 'write', 1), ok(0, 'read', 1), ok(1, 'write', 1)];
    expect(checkEvents(casRegister(0), knossosEvents(h)).outcome).toBe('ok');
  });
  it('totally concurrent but corresponding reads/writes', () => {
    const procs = [1, 2, 3];
    const h = [
      ...procs.flatMap((v) => [inv(v, 'write', v), inv(10 + v, 'read', v)]),
      ...procs.flatMap((v) => [ok(v, 'write', v), ok(10 + v, 'read', v)]),
    ];
    expect(checkEvents(casRegister(0), knossosEvents(h)).outcome).toBe('ok');
    // and with one read of a value nobody wrote, it is not
    const bad = h.map((e) => (e.process === 13 && e.type === 'ok' ? ok(13, 'read', 9) : e));
    expect(checkEvents(casRegister(0), knossosEvents(bad)).outcome).toBe('illegal');
  });
  it('a cas that must follow a concurrent write (cas-failure.edn pattern)', () => {
    // value 0; write 2 concurrent with reads of 0; later read of 0 after write 2 completed → illegal
    const h = [inv(76, 'write', 2), inv(74, 'read', null), ok(74, 'read', 0), ok(76, 'write', 2), inv(70, 'read', null), ok(70, 'read', 0)];
    const r = checkEvents(casRegister(0), knossosEvents(h));
    expect(r.outcome).toBe('illegal');
    if (r.outcome === 'illegal') expect(r.minimal.map((o) => o.clientId).sort()).toEqual([70, 76]);
  });
});
