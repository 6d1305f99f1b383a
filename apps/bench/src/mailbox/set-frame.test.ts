import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import { FRAME_SET, FRAME_SET_ECHO, SetFrameReader, SetFrameWriter, frameKind } from './set-frame.js';
import { makeSetMessages } from './set-message.js';

describe('set frame', () => {
  it('round-trips any sequence of messages at any offsets of a shared buffer, byte length = UTF-8 length', () => {
    const writer = new SetFrameWriter();
    const reader = new SetFrameReader();
    const utf8 = new TextEncoder();
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.string({ unit: 'binary', maxLength: 100 }), value: fc.string({ unit: 'grapheme', maxLength: 100 }), offset: fc.nat(64), kind: fc.constantFrom(FRAME_SET, FRAME_SET_ECHO) }), { minLength: 1, maxLength: 8 }),
        (items) => {
          for (const { key, value, offset, kind } of items) {
            const msg = { type: 'set' as const, key, value };
            const len = writer.prepare(msg);
            expect(len).toBe(8 + 3 + utf8.encode(key).length + utf8.encode(value).length);
            const sab = new SharedArrayBuffer(offset + len + 8);
            const bytes = new Uint8Array(sab);
            const view = new DataView(sab);
            writer.writeTo(bytes, view, offset, kind);
            expect(frameKind(bytes, offset)).toBe(kind);
            // What TextDecoder gives back for the UTF-8 of the strings (lone surrogates become U+FFFD).
            const expected = { type: 'set', key: new TextDecoder().decode(utf8.encode(key)), value: new TextDecoder().decode(utf8.encode(value)) };
            expect(reader.read(bytes, view, offset, len)).toEqual(expected);
          }
        },
      ),
    );
  });

  it('bench messages are 16-byte keys and 32-byte values, all distinct', () => {
    const msgs = makeSetMessages(4096);
    expect(new Set(msgs.map((m) => m.key)).size).toBe(4096);
    const utf8 = new TextEncoder();
    for (const m of msgs) {
      expect(utf8.encode(m.key).length).toBe(16);
      expect(utf8.encode(m.value).length).toBe(32);
    }
  });

  it('rejects oversized strings with ENCODE_FAILED and inconsistent frames or other types with DECODE_FAILED', () => {
    const writer = new SetFrameWriter();
    expect(() => writer.prepare({ type: 'set', key: 'x'.repeat(70_000), value: '' })).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    const len = writer.prepare({ type: 'set', key: 'k', value: 'v' });
    const bytes = new Uint8Array(len);
    const view = new DataView(bytes.buffer);
    writer.writeTo(bytes, view, 0, FRAME_SET);
    const reader = new SetFrameReader();
    const other = new Uint8Array(bytes);
    other[8] = 'g'.charCodeAt(0); // type "get"
    for (const [b, l] of [[bytes, len - 1], [bytes, len + 1], [bytes, 3], [other, len]] as const) {
      try {
        reader.read(b, new DataView(b.buffer), 0, l);
        expect.unreachable();
      } catch (e) {
        expect(isShnError(e) && e.code).toBe('DECODE_FAILED');
      }
    }
  });
});
