import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import { FLAG_ASCII, FRAME_SET, FRAME_SET_ECHO, SetFrameReader, SetFrameWriter, frameKind } from './set-frame.js';
import { makeSetMessages } from './set-message.js';

describe('set frame', () => {
  it('round-trips any sequence of messages at any offsets of a shared buffer; length and ASCII flag match the UTF-8', () => {
    const writer = new SetFrameWriter();
    const reader = new SetFrameReader();
    const utf8 = new TextEncoder();
    const text = fc.oneof(fc.string({ unit: fc.constantFrom(...'abcxyz:0123456789'), maxLength: 100 }), fc.string({ unit: 'binary', maxLength: 100 }), fc.string({ unit: 'grapheme', maxLength: 100 }));
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: text, value: text, offset: fc.nat(64), kind: fc.constantFrom(FRAME_SET, FRAME_SET_ECHO) }), { minLength: 1, maxLength: 8 }),
        (items) => {
          // One buffer for the whole sequence, as in a ring: earlier frames leave garbage behind.
          const sab = new SharedArrayBuffer(64 + 8 + 3 + 2 * 4 + 2 * 3 * 100 * 2);
          const bytes = new Uint8Array(sab);
          const view = new DataView(sab);
          for (const { key, value, offset, kind } of items) {
            const msg = { type: 'set' as const, key, value };
            const max = writer.maxLength(msg);
            const len = writer.write(bytes, view, offset, kind, msg);
            const k = utf8.encode(key).length;
            expect(len).toBe(8 + ((k + 3) & ~3) + utf8.encode(value).length + 3);
            expect(len).toBeLessThanOrEqual(max);
            expect(frameKind(bytes, offset)).toBe(kind);
            // ASCII flag exactly when every unit of key and value is below 0x80 (covers the packed
            // 32-bit path at aligned offsets and the byte loop at the others).
            const ascii = [...(key + value)].every((ch) => (ch.codePointAt(0) as number) < 0x80);
            expect(view.getUint8(offset + 6)).toBe(ascii ? FLAG_ASCII : 0);
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

  it('rejects oversized strings with ENCODE_FAILED and inconsistent frames, unknown flags or other types with DECODE_FAILED', () => {
    const writer = new SetFrameWriter();
    expect(() => writer.maxLength({ type: 'set', key: 'x'.repeat(70_000), value: '' })).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    expect(() => writer.maxLength({ type: 'x'.repeat(300) as 'set', key: '', value: '' })).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    const msg = { type: 'set' as const, key: 'k', value: 'v' };
    const bytes = new Uint8Array(writer.maxLength(msg));
    const view = new DataView(bytes.buffer);
    const len = writer.write(bytes, view, 0, FRAME_SET, msg);
    const reader = new SetFrameReader();
    const otherType = new Uint8Array(bytes);
    otherType[8 + 4 + 1] = 'g'.charCodeAt(0); // type "get" (after the padded key and the value)
    const otherFlags = new Uint8Array(bytes);
    otherFlags[6] = 0x82;
    for (const [b, l] of [[bytes, len - 1], [bytes, len + 1], [bytes, 3], [otherType, len], [otherFlags, len]] as const) {
      try {
        reader.read(b, new DataView(b.buffer), 0, l);
        expect.unreachable();
      } catch (e) {
        expect(isShnError(e) && e.code).toBe('DECODE_FAILED');
      }
    }
  });

  it('a frame flagged ASCII over bytes >= 0x80 decodes them as Latin-1 instead of throwing', () => {
    const writer = new SetFrameWriter();
    const msg = { type: 'set' as const, key: 'key', value: 'value' };
    const bytes = new Uint8Array(writer.maxLength(msg));
    const view = new DataView(bytes.buffer);
    const len = writer.write(bytes, view, 0, FRAME_SET, msg);
    bytes[8] = 0xe9;
    expect(new SetFrameReader().read(bytes, view, 0, len)).toEqual({ type: 'set', key: '\u00e9ey', value: 'value' });
  });
});
