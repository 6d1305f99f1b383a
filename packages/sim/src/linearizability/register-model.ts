import { ShnError } from '@shn/core';
import { showValue, stableEncode, structuralEqual } from './structural-value.js';
import type { Model } from './types.js';

/** An input of {@link registerModel}: read the register, or overwrite it with `value`. */
export type RegisterInput = { readonly op: 'read' } | { readonly op: 'write'; readonly value: unknown };

function badInput(input: unknown): ShnError {
  return new ShnError('INVALID_ARGUMENT', `register model: expected { op: 'read' } or { op: 'write', value }, got ${showValue(input)}`);
}

/**
 * A single read/write register. The state is the last written value (`undefined` before any
 * write). A read is legal when its output structurally equals the state; a write always is
 * (its output is ignored). `step` throws ShnError `INVALID_ARGUMENT` on any other input.
 */
export const registerModel: Model<unknown, RegisterInput, unknown> = Object.freeze({
  init: (): unknown => undefined,
  step(state: unknown, input: RegisterInput, output: unknown): { ok: boolean; state: unknown } {
    if (typeof input !== 'object' || input === null) throw badInput(input);
    if (input.op === 'read') return { ok: structuralEqual(state, output), state };
    if (input.op === 'write') return { ok: true, state: input.value };
    throw badInput(input);
  },
  equal: (a: unknown, b: unknown): boolean => structuralEqual(a, b),
  hash: (s: unknown): string => stableEncode(s),
  describe(input: RegisterInput, output: unknown): string {
    if (typeof input === 'object' && input !== null && input.op === 'write') return `write(${showValue(input.value)})`;
    return `read() -> ${showValue(output)}`;
  },
});
