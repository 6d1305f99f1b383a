import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import { parseBenchArgs } from './bench-args.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isShnError(e) ? e.code : 'not a ShnError';
  }
}

describe('parseBenchArgs', () => {
  it('parses a name and every option in any order', () => {
    fc.assert(
      fc.property(fc.constantFrom('mailbox', 'kv'), fc.boolean(), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 100 }), (name, quick, count, repeats) => {
        const parts = [['--count', String(count)], ['--repeats', String(repeats)], ['--out', '/tmp/x'], ...(quick ? [['--quick']] : [])];
        const argv = [...parts.reverse().flat(), name];
        expect(parseBenchArgs(argv)).toEqual({ name, quick, outDir: '/tmp/x', repeats, count });
      }),
    );
  });

  it('ignores a forwarded `--` separator', () => {
    expect(parseBenchArgs(['--', 'mailbox', '--quick']).name).toBe('mailbox');
  });

  it('rejects bad arguments with INVALID_ARGUMENT', () => {
    for (const argv of [[], ['a', 'b'], ['mailbox', '--nope'], ['mailbox', '--count', '0'], ['mailbox', '--count', '1.5'], ['mailbox', '--repeats', 'x']]) {
      expect(codeOf(() => parseBenchArgs(argv))).toBe('INVALID_ARGUMENT');
    }
  });
});
