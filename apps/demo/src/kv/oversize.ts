import { encodeReply } from '../resp/resp-writer.js';
import type { Reply } from '../resp/reply.js';

/**
 * Messages between the gateway and a shard must fit one ring frame (about half of the ring's
 * capacity). Larger requests and replies cross in pieces:
 * - a request argument larger than the budget is sent ahead as `stage` pieces and named in the
 *   command's `staged` list (index, stage id, length); the shard puts it back together;
 * - a reply over the budget stays in the shard as RESP bytes behind a {@link HeldReply} marker,
 *   and the gateway `fetch`es it in pieces.
 */

/** Default budget of one message's payload, bytes. */
export const DEFAULT_MESSAGE_BUDGET = 256 * 1024;

/** Stands in for a reply the shard keeps until the gateway fetches it. */
export interface HeldReply {
  readonly held: number;
  /** RESP bytes to fetch. */
  readonly size: number;
}

/** True for a {@link HeldReply} marker. */
export function isHeldReply(r: unknown): r is HeldReply {
  return typeof r === 'object' && r !== null && typeof (r as { held?: unknown }).held === 'number' && typeof (r as { size?: unknown }).size === 'number';
}

/** An upper estimate of a reply's encoded size, bytes. */
export function replyBytes(r: Reply): number {
  if (r instanceof Uint8Array) return r.length + 16;
  if (Array.isArray(r)) {
    let n = 16;
    for (const x of r as readonly Reply[]) n += replyBytes(x);
    return n;
  }
  if (typeof r === 'string') return r.length * 3 + 8;
  if (typeof r === 'object' && r !== null && 'err' in r) return r.err.length * 3 + 8;
  return 24;
}

/** A shard's store of held replies and staged request arguments. */
export class OversizeStore {
  private readonly held = new Map<number, Buffer>();
  private readonly staged = new Map<number, Buffer[]>();
  private nextId = 1;

  constructor(readonly budget = DEFAULT_MESSAGE_BUDGET) {}

  /** Replaces replies past the budget (counting from the first) with held markers. */
  limit(replies: Reply[]): Reply[] {
    let total = 0;
    for (let i = 0; i < replies.length; i++) {
      const n = replyBytes(replies[i]);
      if (total + n <= this.budget) {
        total += n;
        continue;
      }
      const bytes = encodeReply(replies[i]);
      const id = this.nextId++;
      this.held.set(id, bytes);
      replies[i] = { held: id, size: bytes.length } as unknown as Reply;
    }
    return replies;
  }

  /** One reply, held if it is over the budget. */
  limitOne(reply: Reply): Reply {
    return this.limit([reply])[0];
  }

  /** A piece of a held reply; the last piece frees it. */
  fetch(id: number, offset: number, length: number): Reply {
    const b = this.held.get(id);
    if (b === undefined) return { err: 'ERR shard crashed; the command may or may not have been applied' };
    const end = Math.min(b.length, offset + length);
    if (end >= b.length) this.held.delete(id);
    return b.subarray(offset, end);
  }

  /** Appends a piece of a staged argument. */
  stage(id: number, part: Uint8Array): void {
    let parts = this.staged.get(id);
    if (parts === undefined) this.staged.set(id, (parts = []));
    parts.push(Buffer.from(part));
  }

  /**
   * Puts staged arguments back into `args` (triples of index, stage id, byte length); undefined
   * if one is missing or incomplete (never a silently shortened value).
   */
  unstage(args: readonly Buffer[], staged: readonly number[]): Buffer[] | undefined {
    const out = args.slice();
    let ok = true;
    for (let i = 0; i + 2 < staged.length; i += 3) {
      const parts = this.staged.get(staged[i + 1]!);
      this.staged.delete(staged[i + 1]!);
      const value = parts === undefined ? undefined : parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      if (value === undefined || value.length !== staged[i + 2]) ok = false;
      else out[staged[i]!] = value;
    }
    return ok ? out : undefined;
  }

  /** Held replies and staged arguments waiting (for tests). */
  get pending(): number {
    return this.held.size + this.staged.size;
  }
}
