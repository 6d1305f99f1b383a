import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatHistory } from './format-history.js';
import { kvModel } from './kv-model.js';
import { registerModel } from './register-model.js';
import type { Operation } from './types.js';

describe('formatHistory', () => {
  it('draws one bar per operation in call order, with the model description and times', () => {
    const ops: Operation[] = [
      { clientId: 1, input: { op: 'read' }, call: 5, output: 1, return: 20 },
      { clientId: 0, input: { op: 'write', value: 1 }, call: 0, output: undefined, return: 10 },
      { clientId: 2, input: { op: 'read' }, call: 30, output: undefined, return: Infinity },
    ];
    const lines = formatHistory(ops, registerModel).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^c0 \[-*\] +write\(1\) +0\.\.10$/);
    expect(lines[1]).toMatch(/^c1 +\[-*\] +read\(\) -> 1 +5\.\.20$/);
    expect(lines[2]).toMatch(/^c2 +\[-*> +read\(\) -> undefined +30\.\.pending$/);
    // the write's bar starts left of the read's and ends inside it: the overlap is visible
    expect(lines[0]?.indexOf('[')).toBeLessThan(lines[1]?.indexOf('[') ?? -1);
    expect(lines[0]?.indexOf(']')).toBeLessThan(lines[1]?.indexOf(']') ?? -1);
  });

  it('describes kv operations and falls back to raw values without a model', () => {
    const op: Operation = { clientId: 3, input: { op: 'append', key: 'k', value: 'x' }, call: 1, output: undefined, return: 1 };
    expect(formatHistory([op], kvModel)).toContain("append('k', 'x')");
    expect(formatHistory([op], kvModel)).toContain('c3 |');
    expect(formatHistory([op])).toContain('{"key":"k","op":"append","value":"x"} -> undefined');
    expect(formatHistory([])).toBe('(empty history)');
  });

  it('never throws and gives one line per operation whose bar order follows call order', () => {
    const arbOp = fc.record({ clientId: fc.integer({ min: 0, max: 9 }), call: fc.integer({ min: 0, max: 50 }), len: fc.integer({ min: 0, max: 20 }), pending: fc.boolean(), v: fc.anything() });
    fc.assert(
      fc.property(fc.array(arbOp, { minLength: 1, maxLength: 30 }), (raw) => {
        const ops: Operation[] = raw.map((r) => ({ clientId: r.clientId, input: r.v, call: r.call, output: r.v, return: r.pending ? Infinity : r.call + r.len }));
        const lines = formatHistory(ops).split('\n');
        expect(lines).toHaveLength(ops.length);
        const starts = lines.map((l) => l.search(/[[|]/));
        for (let i = 1; i < starts.length; i++) expect(starts[i]).toBeGreaterThanOrEqual(starts[i - 1] as number);
      }),
      { numRuns: 100 },
    );
  });
});
