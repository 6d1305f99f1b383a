import { ShnError } from './errors.js';
import { MAX_ENVELOPE_STRING_BYTES } from './wire/wire-limits.js';

/**
 * Where an actor lives: a node, a shard on that node, and the actor's `kind/id`.
 * One machine is simply the case of one node.
 */
export interface Address {
  /** Node name; `local` for a single-process runtime. */
  readonly node: string;
  /** Shard index on that node, `0 <= shard`. `-1` means "not yet placed" (the router decides). */
  readonly shard: number;
  /** The actor's `kind/id`. */
  readonly actor: string;
}

/** The default node name of a single-process runtime. */
export const LOCAL_NODE = 'local';

const KIND_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const NODE_RE = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Joins a kind and an id into the canonical `kind/id` actor string. Throws `INVALID_ARGUMENT` on a bad kind. */
export function actorName(kind: string, id: string): string {
  assertKind(kind);
  if (typeof id !== 'string') throw new ShnError('INVALID_ARGUMENT', `actor id must be a string, got ${typeof id}`);
  return `${kind}/${id}`;
}

/** Splits `kind/id` at the first slash. Throws `INVALID_ARGUMENT` if there is no slash or the kind is invalid. */
export function splitActorName(actor: string): { kind: string; id: string } {
  const slash = typeof actor === 'string' ? actor.indexOf('/') : -1;
  if (slash <= 0) throw new ShnError('INVALID_ARGUMENT', `actor must look like kind/id, got ${JSON.stringify(actor)}`);
  const kind = actor.slice(0, slash);
  assertKind(kind);
  return { kind, id: actor.slice(slash + 1) };
}

/** Throws `INVALID_ARGUMENT` unless `kind` is 1–64 chars of `[A-Za-z0-9_.:-]`. */
export function assertKind(kind: string): void {
  if (typeof kind !== 'string' || !KIND_RE.test(kind)) {
    throw new ShnError('INVALID_ARGUMENT', `actor kind must match ${KIND_RE}, got ${JSON.stringify(kind)}`);
  }
}

/** Builds an {@link Address}, validating every part. */
export function address(node: string, shard: number, actor: string): Address {
  if (typeof node !== 'string' || !NODE_RE.test(node)) {
    throw new ShnError('INVALID_ARGUMENT', `node must match ${NODE_RE}, got ${JSON.stringify(node)}`);
  }
  if (!Number.isInteger(shard) || shard < -1 || shard > 0xffff) {
    throw new ShnError('INVALID_ARGUMENT', `shard must be an integer in [-1, 65535], got ${String(shard)}`);
  }
  splitActorName(actor);
  return { node, shard, actor };
}

/** The canonical text form `node#shard/kind/id`, for logs and keys. */
export function formatAddress(a: Address): string {
  return `${a.node}#${a.shard}/${a.actor}`;
}

/** Parses {@link formatAddress}'s output. Throws `INVALID_ARGUMENT` on anything else. */
export function parseAddress(text: string): Address {
  if (typeof text !== 'string') throw new ShnError('INVALID_ARGUMENT', 'address text must be a string');
  const hash = text.indexOf('#');
  const slash = hash < 0 ? -1 : text.indexOf('/', hash);
  if (hash <= 0 || slash < 0) throw new ShnError('INVALID_ARGUMENT', `not an address: ${JSON.stringify(text)}`);
  const shardText = text.slice(hash + 1, slash);
  if (!/^-?\d{1,5}$/.test(shardText)) throw new ShnError('INVALID_ARGUMENT', `bad shard in address: ${JSON.stringify(text)}`);
  return address(text.slice(0, hash), Number(shardText), text.slice(slash + 1));
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * Throws `INVALID_ARGUMENT` unless `id` is a non-empty string whose `kind/id` fits the wire
 * format's string limit ({@link MAX_ENVELOPE_STRING_BYTES} UTF-8 bytes). Runtimes call it at
 * `tell`/`ask`/`ref`, so a bad id fails at the call rather than when the envelope is encoded.
 */
export function assertActorId(kind: string, id: string): void {
  if (typeof id !== 'string') throw new ShnError('INVALID_ARGUMENT', `actor id must be a string, got ${typeof id}`);
  if (id.length === 0) throw new ShnError('INVALID_ARGUMENT', `actor id must not be empty (kind ${JSON.stringify(kind)})`);
  if (id.length * 3 + kind.length + 1 > MAX_ENVELOPE_STRING_BYTES) {
    const bytes = utf8Length(id) + utf8Length(kind) + 1;
    if (bytes > MAX_ENVELOPE_STRING_BYTES) {
      throw new ShnError('INVALID_ARGUMENT', `actor ${kind}/… is ${bytes} UTF-8 bytes; the limit is ${MAX_ENVELOPE_STRING_BYTES}`, {
        details: { kind, bytes, limit: MAX_ENVELOPE_STRING_BYTES },
      });
    }
  }
}
