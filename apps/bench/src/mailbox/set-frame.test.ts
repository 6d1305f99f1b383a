import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import { FRAME_SET, FRAME_SET_ECHO, frameKind, measureSetFrame, readSetFrame, utf8Length, writeSetFrame } from './set-frame.js';
import type { SetFrameSizes } from './set-frame.js';
import { makeSetMessages } from './set-message.js';

const sizes = (): SetFrameSizes => ({ typeBytes: 0, keyBytes: 0, valueBytes: 0, total: 0 });

describe('utf8Length', () => {
  it('equals the length TextEncoder produces, for any string (lone surrogates included)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
    }));;
  });
});

describe('set frame', () => {
  it('round-trips any message at any offset of a shared buffer', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 80 }), fc.nat(64), fc.constantFrom(FRAME_SET, FRAME_SET_ECHO), (key, value, offset, kind) => {
        const msg = { type: 'set' as const, key, value };
        const s = sizes();
        const len = measureSetFrame(msg, s);
        const sab = new SharedArrayBuffer(offset + len + 8);
        const bytes = new Uint8Array(sab);
        const view = new DataView(sab);
        writeSetFrame(bytes, view, offset, kind, msg, s);
        expect(frameKind(bytes, offset)).toBe(kind);
        expect(readSetFrame(bytes, view, offset, len)).toEqual(msg);
      }),
    );
  });

  it('bench messages are 16-byte keys and 32-byte values, all distinct', () => {
    const msgs = makeSetMessages(4096);
    expect(new Set(msgs.map((m) => m.key)).size).toBe(4096);
    for (const m of msgs) {
      expect(utf8Length(m.key)).toBe(16);
      expect(utf8Length(m.value)).toBe(32);
    }
  });

  it('rejects oversized strings with ENCODE_FAILED and inconsistent frames with DECODE_FAILED', () => {
    expect(() => measureSetFrame({ type: 'set', key: 'x'.repeat(70_000), value: '' }, sizes())).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    const msg = { type: 'set' as const, key: 'k', value: 'v' };
    const s = sizes();
    const len = measureSetFrame(msg, s);
    const bytes = new Uint8Array(len);
    const view = new DataView(bytes.buffer);
    writeSetFrame(bytes, view, 0, FRAME_SET, msg, s);
    for (const bad of [len - 1, len + 1, 3]) {
      try {
        readSetFrame(bytes, view, 0, bad);
        expect.unreachable();
      } catch (e) {
        expect(isShnError(e) && e.code).toBe('DECODE_FAILED');
      }
    }
  });
});
