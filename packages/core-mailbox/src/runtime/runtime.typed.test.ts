import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createRuntime } from './runtime.js';
import type { Runtime } from './runtime.js';
import { store, undeclared } from './fixtures/typed-protocol.js';

// Shard threads run plain Node, so they load the built fixture (turbo builds before testing).
const system = new URL('../../dist/runtime/fixtures/typed-system.js', import.meta.url);
const bytes = (s: string) => new TextEncoder().encode(s);

for (const shards of [1, 2]) {
  describe(`declared message types through createRuntime (${shards} shard${shards > 1 ? 's' : ''})`, () => {
    let rt: Runtime;
    beforeAll(async () => {
      rt = await createRuntime({ system, shards });
    });
    afterAll(async () => {
      await rt.close();
    });

    it('typed tells and asks cross as declared frames; replies have the declared type', async () => {
      for (let i = 0; i < 200; i++) expect(rt.tell(store.put, 'a', { key: `k${i}`, value: bytes(`v${i}`), tags: i % 2 ? ['odd'] : undefined })).toBe('accepted');
      expect(await rt.ask(store.count, 'a', {})).toBe(200);
      const v = await rt.ask(store.get, 'a', { key: 'k7' });
      expectTypeOf(v).toEqualTypeOf<Uint8Array | undefined>();
      expect(v).toBeInstanceOf(Uint8Array);
      expect(new TextDecoder().decode(v)).toBe('v7');
      expect(await rt.ask(store.get, 'a', { key: 'missing' })).toBeUndefined();
      const e = await rt.ask(store.entry, 'a', { key: 'k3' });
      expect(e).toEqual({ value: bytes('v3'), tags: ['odd'], hits: 1 });
      // The ref form: bound to the kind, only the message and body.
      const ref = rt.ref('store', 'b');
      expect(ref.tell(store.put, { key: 'x', value: bytes('y') })).toBe('accepted');
      await ref.send(store.put, { key: 'z', value: bytes('w') });
      expect(await ref.ask(store.count, {})).toBe(2);
      // Untyped calls of the same type still work, through the generic codec.
      expect(rt.tell('store', 'b', 'put', { key: 'g', value: bytes('generic') })).toBe('accepted');
      expect(new TextDecoder().decode(await rt.ask(store.get, 'b', { key: 'g' }))).toBe('generic');
    });

    it('refuses at the call: undeclared types, another kind, wrong fields', async () => {
      expect(() => rt.tell(undeclared.other, 'a', { a: 1 })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('not declared') }));
      expect(() => rt.ref('other', 'a').tell(store.put, { key: 'k', value: bytes('v') })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(() => rt.tell(store.put, 'a', { key: 'k', value: 'no' as unknown as Uint8Array })).toThrowError(
        expect.objectContaining({ code: 'ENCODE_FAILED', message: expect.stringContaining('field value must be a Uint8Array') }),
      );
      await expect(rt.ask(store.get, 'a', { key: 3 as unknown as string })).rejects.toMatchObject({ code: 'ENCODE_FAILED' });
      await expect(rt.ask(store.get, '', { key: 'k' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('a reply that does not match its declared type rejects with ENCODE_FAILED at once', async () => {
      await expect(rt.ask(store.wrongReply, 'a', {})).rejects.toMatchObject({ code: 'ENCODE_FAILED', message: expect.stringContaining('field reply must be a 32-bit integer') });
    });

    it('a declared body whose worst case exceeds a frame but whose real size fits goes the buffered way', async () => {
      const key = 'k'.repeat(200_000); // worst case 3 bytes per unit (600 kB) > the 512 kB frame; ASCII: 200 kB
      expect(rt.tell(store.put, 'big', { key, value: bytes('fits') })).toBe('accepted');
      expect(new TextDecoder().decode(await rt.ask(store.get, 'big', { key }))).toBe('fits');
    });

    it('a large declared body that exceeds a frame is MESSAGE_TOO_LARGE at the call', () => {
      expect(() => rt.tell(store.put, 'a', { key: 'big', value: new Uint8Array(700_000) })).toThrowError(expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }));
    });
  });
}

describe('declared message types under a full ring', () => {
  it('answer full at once, and send waits for room; nothing is lost', async () => {
    const rt = await createRuntime({ system, shards: 1, ringCapacity: 1024 });
    try {
      let full = 0;
      let accepted = 0;
      for (let i = 0; i < 300; i++) {
        const r = rt.tell(store.put, 'f', { key: `k${i}`, value: bytes('0123456789') });
        if (r === 'full') full++;
        else accepted++;
      }
      expect(full).toBeGreaterThan(0);
      await Promise.all(Array.from({ length: 300 }, (_, i) => rt.send(store.put, 'f', { key: `s${i}`, value: bytes('x') })));
      // The ask itself may meet a still-full ring (MAILBOX_FULL): retry until it gets in.
      const count = async (): Promise<number> => {
        for (;;) {
          try {
            return await rt.ask(store.count, 'f', {});
          } catch (e) {
            if ((e as { code?: string }).code !== 'MAILBOX_FULL') throw e;
            await new Promise((r) => setImmediate(r));
          }
        }
      };
      expect(await count()).toBe(accepted + 300);
    } finally {
      await rt.close();
    }
  });
});
