import type { DotKernel } from '../causal/dot-kernel.js';
import { kernelBottom, kernelClear, kernelEquals, kernelJoin, readKernel, writeKernel } from '../causal/dot-kernel.js';
import { ccFromDots, ccJoin, ccNextDot } from '../causal/causal-context.js';
import type { CrdtType } from './crdt-type.js';
import type { Json } from './json-value.js';
import { jsonText } from './json-value.js';
import { decodeFailed } from '../encoding/crdt-reader.js';
import type { CrdtReader } from '../encoding/crdt-reader.js';
import { checkReplicaId } from '../replica/replica-id.js';

/** MV-Register state: a dot kernel keyed by the JSON text of each concurrent value. */
export type MvRegisterState = DotKernel;

/**
 * MV-Register (multi-value): a write replaces every value its writer has seen; concurrent
 * writes are all kept, and the value is the list of them (sorted by JSON text) for the
 * application to resolve. State size: one entry per concurrent value plus the context.
 */
export const mvRegister = Object.freeze({
  name: 'mv-register',
  tag: 4,
  bottom: kernelBottom,
  join: kernelJoin,
  equals: kernelEquals,
  value: (s: MvRegisterState): Json[] => [...s.entries.keys()].sort().map((t) => JSON.parse(t) as Json),
  write: writeKernel,
  read(r: CrdtReader): MvRegisterState {
    const k = readKernel(r);
    for (const key of k.entries.keys()) {
      try {
        JSON.parse(key);
      } catch (cause) {
        decodeFailed('MV-Register value is not JSON', cause);
      }
    }
    return k;
  },
  /**
   * The delta that sets the register to `value`, superseding every value seen.
   * @throws ShnError `INVALID_ARGUMENT` for a bad replica id or a non-JSON value.
   */
  set(s: MvRegisterState, replica: string, value: Json): MvRegisterState {
    checkReplicaId(replica);
    const text = jsonText(value);
    const dot = ccNextDot(s.ctx, replica);
    const cleared = kernelClear(s);
    return { entries: new Map([[text, [dot]]]), ctx: ccJoin(cleared.ctx, ccFromDots([dot])) };
  },
} satisfies CrdtType<MvRegisterState, Json[]> & Record<string, unknown>);
