import type { CrdtReader } from '../encoding/crdt-reader.js';
import { decodeFailed } from '../encoding/crdt-reader.js';
import type { CrdtWriter } from '../encoding/crdt-writer.js';
import type { CrdtType } from './crdt-type.js';
import type { HlcTimestamp, HybridLogicalClock } from './hybrid-logical-clock.js';
import { compareHlc } from './hybrid-logical-clock.js';
import type { Json } from './json-value.js';
import { jsonText, readJson, writeJson } from './json-value.js';
import { checkReplicaId } from '../replica/replica-id.js';

/** One write: its timestamp, the writing replica and the value. */
export interface LwwWrite {
  readonly ts: HlcTimestamp;
  readonly r: string;
  readonly v: Json;
}

/** LWW-Register state: the winning write, or `null` before any write. */
export type LwwRegisterState = LwwWrite | null;

/** Orders writes: timestamp, then replica id, then value text (total, deterministic). */
function compareWrites(a: LwwWrite, b: LwwWrite): number {
  const t = compareHlc(a.ts, b.ts);
  if (t !== 0) return t;
  if (a.r !== b.r) return a.r < b.r ? -1 : 1;
  const x = jsonText(a.v);
  const y = jsonText(b.v);
  return x === y ? 0 : x < y ? -1 : 1;
}

/**
 * LWW-Register: last writer wins by hybrid-logical-clock timestamp; equal timestamps are
 * broken by replica id (then by value, so even a misconfigured duplicate id cannot make
 * replicas disagree). Concurrent writes are lost except one: use the MV-Register to keep them.
 * State size: one value.
 */
export const lwwRegister = Object.freeze({
  name: 'lww-register',
  tag: 3,
  bottom: (): LwwRegisterState => null,
  join(a: LwwRegisterState, b: LwwRegisterState): LwwRegisterState {
    if (a === null) return b;
    if (b === null) return a;
    return compareWrites(a, b) >= 0 ? a : b;
  },
  equals(a: LwwRegisterState, b: LwwRegisterState): boolean {
    if (a === null || b === null) return a === b;
    return compareWrites(a, b) === 0;
  },
  value: (s: LwwRegisterState): Json | undefined => (s === null ? undefined : s.v),
  write(w: CrdtWriter, s: LwwRegisterState): void {
    if (s === null) {
      w.u8(0);
      return;
    }
    w.u8(1);
    w.varint(s.ts.w);
    w.varint(s.ts.c);
    w.replica(s.r);
    writeJson(w, s.v);
  },
  read(r: CrdtReader): LwwRegisterState {
    const flag = r.u8();
    if (flag === 0) return null;
    if (flag !== 1) decodeFailed(`bad register flag ${flag}`);
    const w = r.varint();
    const c = r.varint();
    const rid = r.replica();
    return { ts: { w, c }, r: rid, v: readJson(r) };
  },
  /**
   * The delta that sets the register to `value` from `replica`, stamped by `hlc` strictly
   * after the current write. @throws ShnError `INVALID_ARGUMENT` for a bad replica id or a non-JSON value.
   */
  set(state: LwwRegisterState, replica: string, value: Json, hlc: HybridLogicalClock): LwwRegisterState {
    checkReplicaId(replica);
    jsonText(value);
    return { ts: hlc.next(state?.ts), r: replica, v: value };
  },
} satisfies CrdtType<LwwRegisterState, Json | undefined> & Record<string, unknown>);
