import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defineMessages, isMessageType, listMessageTypes, message, t } from './message-schema.js';
import { defineSystem } from './system-definition.js';

const kv = defineMessages('kv', { set: message({ key: t.string, value: t.bytes }), get: message({ key: t.string }, t.optional(t.bytes)) });
const kinds = { kv: { factory: () => ({ receive: () => undefined }) } };

describe('declared message types', () => {
  it('binds kind, type and a 32-bit id; is() narrows by type', () => {
    expect(kv.set).toMatchObject({ kind: 'kv', type: 'set' });
    expect(Number.isInteger(kv.set.id) && kv.set.id >= 0 && kv.set.id < 2 ** 32).toBe(true);
    expect(kv.set.id).not.toBe(kv.get.id);
    expect(kv.set.is({ type: 'set' } as never)).toBe(true);
    expect(kv.set.is({ type: 'get' } as never)).toBe(false);
    expect(isMessageType(kv.get)).toBe(true);
    expect(listMessageTypes([kv]).map((m) => m.type)).toEqual(['set', 'get']);
  });

  it('ids are a pure function of kind/type (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z]{1,8}$/), (kind, type) => {
        const a = defineMessages(kind, { [type]: message({}) });
        const b = defineMessages(kind, { [type]: message({ x: t.int }) });
        expect(a[type]?.id).toBe(b[type]?.id);
      }),
    );
  });

  it('a system lists protocols in messages; anything else is INVALID_ARGUMENT', () => {
    expect(defineSystem({ kinds, messages: [kv] }).messages).toEqual([kv]);
    expect(() => defineSystem({ kinds, messages: ['set'] as never })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => defineSystem({ kinds, messages: kv as never })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('refuses bad declarations with INVALID_ARGUMENT naming the field', () => {
    expect(() => message({ ok: t.string, 'no way': t.int })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('"no way"') }));
    expect(() => defineMessages('kv', { '': message({}) })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    let deep: ReturnType<typeof t.array> = t.array(t.int);
    expect(() => {
      for (let i = 0; i < 20; i++) deep = t.array(deep);
    }).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('deeper') }));
  });
});
