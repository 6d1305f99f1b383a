import fc from 'fast-check';
import type { Address } from '../address.js';
import type { Envelope, Headers } from '../envelope.js';
import { isWellFormedUtf16 } from '../wire/utf8-validation.js';

/**
 * Strings that stress text handling: arbitrary well-formed Unicode (astral characters,
 * combining marks), plus hand-picked trouble: empty, a leading BOM, NULs, `__proto__`.
 * Never contains lone surrogates (those are not representable in UTF-8).
 */
export function trickyStringArbitrary(maxLength = 12): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary', maxLength }).filter(isWellFormedUtf16),
    fc.constantFrom('', '\uFEFF', '\uFEFFlead', '\0', 'a\0b', '__proto__', 'constructor', '😀', 'ü', 'u\u0308'),
  );
}

/** Valid {@link Address}es: node names and kinds from the allowed alphabet, any shard in [-1, 65535], tricky ids. */
export function addressArbitrary(): fc.Arbitrary<Address> {
  return fc.record({
    node: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,16}$/),
    shard: fc.integer({ min: -1, max: 65535 }),
    actor: fc
      .tuple(fc.stringMatching(/^[A-Za-z0-9_.:-]{1,12}$/), trickyStringArbitrary())
      .map(([kind, id]) => `${kind}/${id}`),
  });
}

/** Header maps of up to `maxHeaders` tricky keys and values (a `__proto__` key is an own property). */
export function headersArbitrary(maxHeaders = 6): fc.Arbitrary<Headers> {
  return fc.array(fc.tuple(trickyStringArbitrary(), trickyStringArbitrary()), { maxLength: maxHeaders }).map((pairs) => {
    const headers: Headers = {};
    for (const [k, v] of pairs) {
      Object.defineProperty(headers, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return headers;
  });
}

/**
 * Arbitrary valid envelopes with byte bodies; every optional field (`from`, `priority`,
 * `deadline`, `correlationId`, `replyTo`) is independently present or absent (absent means
 * the key is missing, not `undefined`). Deadlines include `-0`, fractions and extremes.
 * Useful for codec, transport and mailbox tests.
 */
export function envelopeArbitrary(options: { maxBodyBytes?: number } = {}): fc.Arbitrary<Envelope<Uint8Array>> {
  return fc.record(
    {
      id: trickyStringArbitrary(),
      to: addressArbitrary(),
      from: addressArbitrary(),
      type: trickyStringArbitrary(),
      body: fc.uint8Array({ maxLength: options.maxBodyBytes ?? 64 }),
      headers: headersArbitrary(),
      priority: fc.integer({ min: 0, max: 255 }),
      deadline: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1_700_000_000_000.5)),
      correlationId: trickyStringArbitrary(),
      replyTo: addressArbitrary(),
    },
    { requiredKeys: ['id', 'to', 'type', 'body', 'headers'] },
  );
}
