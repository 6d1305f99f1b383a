import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import { RING_FRAME_HEADER_BYTES } from '@shn/core-mailbox';
import { FLAG_ASCII, FLAG_TYPE_INLINE, FRAME_SET, FRAME_SET_ECHO, FRAME_SYNC, SET_FRAME_HEADER_BYTES, SetFrameReader, SetFrameWriter, TYPE_ID_UNINTERNED, frameKind, writeControlFrame } from './set-frame.js';
import { makeSetMessages } from './set-message.js';
import type { SetMessage } from './set-message.js';

const pad4 = (n: number) => (n + 3) & ~3;
const utf8 = new TextEncoder();

/** Expects `f` to throw a ShnError DECODE_FAILED. */
function expectDecodeFailed(f: () => unknown): void {
  try {
    f();
    expect.unreachable();
  } catch (e) {
    expect(isShnError(e) && e.code).toBe('DECODE_FAILED');
  }
}

/** A message of any type (the bench only sends 'set'; the frame carries whatever it is given). */
function message(type: string, key: string, value: string): SetMessage {
  return { type: type as 'set', key, value };
}

describe('set frame', () => {
  it('round-trips any sequence of messages and types at any offsets of a shared buffer; lengths, flags and interning match the layout', () => {
    const text = fc.oneof(fc.string({ unit: fc.constantFrom(...'abcxyz:0123456789'), maxLength: 100 }), fc.string({ unit: 'binary', maxLength: 100 }), fc.string({ unit: 'grapheme', maxLength: 100 }));
    fc.assert(
      fc.property(
        fc.array(fc.record({ type: fc.constantFrom('set', 'get', 'dél'), key: text, value: text, offset: fc.nat(64), kind: fc.constantFrom(FRAME_SET, FRAME_SET_ECHO) }), { minLength: 1, maxLength: 12 }),
        (items) => {
          const writer = new SetFrameWriter();
          const reader = new SetFrameReader();
          const seen = new Map<string, number>();
          // One buffer for the whole sequence, as in a ring: earlier frames leave garbage behind.
          const sab = new SharedArrayBuffer(64 + 4 + 8 + 2 * 3 * 100 * 2);
          const bytes = new Uint8Array(sab);
          const view = new DataView(sab);
          for (const { type, key, value, offset, kind } of items) {
            const msg = message(type, key, value);
            const max = writer.maxLength(msg);
            const len = writer.write(bytes, view, offset, kind, msg);
            const first = !seen.has(type);
            if (first) seen.set(type, seen.size);
            const k = utf8.encode(key).length;
            const inline = first ? pad4(1 + utf8.encode(type).length) : 0;
            expect(len).toBe(SET_FRAME_HEADER_BYTES + inline + pad4(k) + utf8.encode(value).length);
            expect(len).toBeLessThanOrEqual(max);
            expect(frameKind(bytes, offset)).toBe(kind);
            const header = view.getUint32(offset, true);
            // ASCII flag exactly when every unit of key and value is below 0x80 (covers the packed
            // 32-bit path at aligned offsets and the byte loop at the others); the type inline on its
            // first frame only; ids in order of first use; the key's UTF-8 length.
            const ascii = [...(key + value)].every((ch) => (ch.codePointAt(0) as number) < 0x80);
            expect((header >>> 4) & 0xf).toBe((ascii ? FLAG_ASCII : 0) | (first ? FLAG_TYPE_INLINE : 0));
            expect((header >>> 8) & 0xff).toBe(seen.get(type));
            expect(header >>> 16).toBe(k);
            if (type === 'set') {
              // What TextDecoder gives back for the UTF-8 of the strings (lone surrogates become U+FFFD).
              const expected = { type, key: new TextDecoder().decode(utf8.encode(key)), value: new TextDecoder().decode(utf8.encode(value)) };
              expect(reader.read(bytes, view, offset, len)).toEqual(expected);
            } else {
              // Other types are refused, but their inline bytes still intern them for later frames.
              expectDecodeFailed(() => reader.read(bytes, view, offset, len));
            }
          }
        },
      ),
    );
  });

  it('bench messages are 16-byte keys and 32-byte values, all distinct, and take 56 ring bytes (under a cache line) once the type is interned', () => {
    const msgs = makeSetMessages(4096);
    expect(new Set(msgs.map((m) => m.key)).size).toBe(4096);
    const writer = new SetFrameWriter();
    const bytes = new Uint8Array(4096);
    const view = new DataView(bytes.buffer);
    for (const [i, m] of msgs.entries()) {
      expect(utf8.encode(m.key).length).toBe(16);
      expect(utf8.encode(m.value).length).toBe(32);
      writer.maxLength(m);
      const len = writer.write(bytes, view, 0, FRAME_SET, m);
      expect(RING_FRAME_HEADER_BYTES + pad4(len)).toBe(i === 0 ? 60 : 56);
    }
  });

  it('interns up to 255 types; later ones go inline every time with id 255 and still decode', () => {
    const writer = new SetFrameWriter();
    const reader = new SetFrameReader();
    const bytes = new Uint8Array(1024);
    const view = new DataView(bytes.buffer);
    const send = (type: string) => {
      const msg = message(type, 'k', 'v');
      writer.maxLength(msg);
      const len = writer.write(bytes, view, 0, FRAME_SET, msg);
      const header = view.getUint32(0, true);
      let decoded: string | undefined;
      try {
        decoded = reader.read(bytes, view, 0, len).type;
      } catch (e) {
        expect(isShnError(e) && e.code).toBe('DECODE_FAILED');
      }
      return { id: (header >>> 8) & 0xff, inline: ((header >>> 4) & FLAG_TYPE_INLINE) !== 0, decoded };
    };
    expect(send('set')).toEqual({ id: 0, inline: true, decoded: 'set' });
    for (let i = 1; i < 255; i++) expect(send(`t${i}`)).toMatchObject({ id: i, inline: true });
    for (let i = 0; i < 3; i++) {
      expect(send('late')).toMatchObject({ id: TYPE_ID_UNINTERNED, inline: true });
      expect(send('set')).toEqual({ id: 0, inline: false, decoded: 'set' });
      expect(send('t254')).toEqual({ id: 254, inline: false, decoded: undefined });
    }
  });

  it('rejects oversized keys and types with ENCODE_FAILED, and short frames, unknown flags, unknown type ids and other types with DECODE_FAILED', () => {
    const writer = new SetFrameWriter();
    expect(() => writer.maxLength(message('set', 'x'.repeat(70_000), ''))).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    expect(() => writer.maxLength(message('x'.repeat(300), '', ''))).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    const msg = message('set', 'key', 'v');
    const first = new Uint8Array(64);
    writer.maxLength(msg);
    const firstLen = writer.write(first, new DataView(first.buffer), 0, FRAME_SET, msg);
    const later = new Uint8Array(64);
    const laterLen = writer.write(later, new DataView(later.buffer), 0, FRAME_SET, msg);
    const read = (reader: SetFrameReader, b: Uint8Array, len: number) => reader.read(b, new DataView(b.buffer), 0, len);
    const withByte = (b: Uint8Array, at: number, value: number) => {
      const c = new Uint8Array(b);
      c[at] = value;
      return c;
    };
    // A later frame on a reader that never saw the type's first frame.
    expectDecodeFailed(() => read(new SetFrameReader(), later, laterLen));
    const cases: [Uint8Array, number][] = [
      [first, 3], // shorter than the header
      [first, 6], // inline type cut off
      [first, 8 + 2], // key cut off
      [withByte(first, 0, FRAME_SET | 0x80), firstLen], // unknown flag
      [withByte(first, 5, 'g'.charCodeAt(0)), firstLen], // type "get"
      [withByte(first, 4, 200), firstLen], // inline type longer than the frame
    ];
    for (const [b, len] of cases) expectDecodeFailed(() => read(new SetFrameReader(), b, len));
    expect(read(new SetFrameReader(), first, firstLen)).toEqual({ type: 'set', key: 'key', value: 'v' });
  });

  it('a frame flagged ASCII over bytes >= 0x80 decodes them as Latin-1 instead of throwing', () => {
    const writer = new SetFrameWriter();
    const msg = message('set', 'key', 'value');
    const bytes = new Uint8Array(writer.maxLength(msg));
    const view = new DataView(bytes.buffer);
    const len = writer.write(bytes, view, 0, FRAME_SET, msg);
    bytes[8] = 0xe9; // the key's first byte, after the header and the inline type (1 + 3 bytes)
    expect(new SetFrameReader().read(bytes, view, 0, len)).toEqual({ type: 'set', key: '\u00e9ey', value: 'value' });
  });

  it('control frames are one header word of their kind', () => {
    const view = new DataView(new ArrayBuffer(SET_FRAME_HEADER_BYTES + 4));
    view.setUint32(4, 0xdeadbeef);
    writeControlFrame(view, 0, FRAME_SYNC);
    expect(frameKind(new Uint8Array(view.buffer), 0)).toBe(FRAME_SYNC);
    expect(view.getUint32(0, true)).toBe(FRAME_SYNC);
    expect(view.getUint32(4)).toBe(0xdeadbeef);
  });
});
