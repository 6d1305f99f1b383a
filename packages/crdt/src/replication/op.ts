import type { Codec } from '@shn/core';
import { decodeWithHeader, encodeWithHeader, PayloadKind } from '../codec/crdt-codec.js';
import type { VersionVector } from '../causal/version-vector.js';
import { readVv, writeVv } from '../causal/version-vector.js';
import { decodeFailed } from '../encoding/crdt-reader.js';
import type { CrdtType } from '../types/crdt-type.js';

/**
 * An operation for op-based replication: the `seq`-th op of replica `origin`, the ops of
 * other replicas it causally depends on (`deps`: a version vector of ops delivered at the
 * origin when it was issued), and its effect as a delta of the CRDT type.
 */
export interface Op<S> {
  readonly origin: string;
  /** 1-based position in the origin's op stream. */
  readonly seq: number;
  /** Ops of other replicas delivered at the origin before this one (origin's own entry is ignored). */
  readonly deps: VersionVector;
  readonly delta: S;
}

/** The binary codec for ops of `type`; `decode` throws ShnError `DECODE_FAILED` on bad bytes. */
export function opCodec<S, V>(type: CrdtType<S, V>): Codec<Op<S>> {
  return Object.freeze({
    name: `crdt-op/${type.name}`,
    encode: (op: Op<S>) =>
      encodeWithHeader(PayloadKind.Op, type.tag, (w) => {
        w.replica(op.origin);
        w.varint(op.seq);
        writeVv(w, op.deps);
        type.write(w, op.delta);
      }),
    decode: (bytes: Uint8Array) =>
      decodeWithHeader(bytes, PayloadKind.Op, type.tag, (r) => {
        const origin = r.replica();
        const seq = r.positive();
        const deps = readVv(r, decodeFailed);
        return { origin, seq, deps, delta: type.read(r) };
      }),
  });
}
