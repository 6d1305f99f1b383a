import { ShnError, isWellFormedUtf16 } from '@shn/core';
import { TextRun } from './text-run.js';

/** First two bytes of every text CRDT encoding ("Tx"). */
const MAGIC0 = 0x54;
const MAGIC1 = 0x78;
/** Current format version. */
export const TEXT_FORMAT_VERSION = 2;
/** Flag: the update is a complete state in document order (can be loaded without integration). */
export const FLAG_FULL_STATE = 1;
/** Flag: content is stored as raw UTF-16 code units (it holds lone surrogates) instead of UTF-8. */
const FLAG_UTF16 = 2;

const OL_NONE = 0;
const OL_PREV = 1; // left origin = last character of the previous run in the encoding
const OL_EXPLICIT = 2;
const OL_BACK = 3; // left origin = last character of an earlier run, named by its distance back; seq is a delta from it
const OR_NONE = 0;
const OR_NEXT = 1; // right origin = first character of the next run in the encoding
const OR_EXPLICIT = 2;
const OR_AFTER_LEFT = 3; // right origin = the character right after the left origin (same agent)

/** A deleted id range inside an update; `agent` indexes the update's agent table. */
export interface EncodedRange {
  agent: number;
  seq: number;
  len: number;
}

/** A decoded update: agent names, runs (agent indexes into `agents`) and a delete set. */
export interface DecodedUpdate {
  readonly agents: string[];
  readonly runs: TextRun[];
  readonly ranges: EncodedRange[];
  readonly full: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Growable byte buffer with LEB128 varints. Internal. */
class Out {
  buf = new Uint8Array(1 << 12);
  n = 0;
  ensure(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.n++] = v;
  }
  varint(v: number): void {
    this.ensure(8);
    const buf = this.buf;
    while (v >= 0x80) {
      buf[this.n++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[this.n++] = v;
  }
  zigzag(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
}

/**
 * Encodes runs (in the order given; document order for states) and a delete set.
 * `agentNames[i]` names agent index `i`; only agents that occur are written.
 *
 * Layout (all integers unsigned LEB128 varints, zigzag where signed):
 * `'T' 'x' version flags | nAgents (len utf8)* | nRuns | per run: header [olBack] seqDelta len
 * [olAgent olSeqDelta] [orAgent orSeqDelta | orForward] | content | nRanges (agent seqDelta len)*`.
 * The header packs `agent << 7 | orFlag << 6 | olSameAgent << 5 | orKind << 3 | olKind << 1 | deleted`.
 * `olKind` 3 (OL_BACK): the left origin is the last character of run `k - 2 - olBack`, and
 * `seqDelta` is relative to that origin + 1 (a run split by later inserts continues there).
 * Otherwise `seqDelta` is relative to the end of the agent's previous run. With an explicit
 * right origin, `orFlag` set means the origin is the first character of run `k + 2 + orForward`.
 */
export function encodeUpdate(
  agentNames: readonly string[],
  runs: readonly TextRun[],
  ranges: readonly EncodedRange[],
  full: boolean,
): Uint8Array {
  // Local agent numbering: order of first use.
  const local = new Int32Array(agentNames.length).fill(-1);
  const used: string[] = [];
  const use = (a: number): number => {
    let l = local[a]!;
    if (l < 0) {
      l = used.length;
      local[a] = l;
      used.push(agentNames[a]!);
    }
    return l;
  };
  for (const r of runs) {
    use(r.agent);
    if (r.olA >= 0) use(r.olA);
    if (r.orA >= 0) use(r.orA);
  }
  for (const g of ranges) use(g.agent);

  const parts: string[] = [];
  for (const r of runs) if (!r.deleted) parts.push(r.content);
  const content = parts.join('');
  const utf16 = !isWellFormedUtf16(content);

  const out = new Out();
  out.u8(MAGIC0);
  out.u8(MAGIC1);
  out.u8(TEXT_FORMAT_VERSION);
  out.u8((full ? FLAG_FULL_STATE : 0) | (utf16 ? FLAG_UTF16 : 0));
  out.varint(used.length);
  for (const name of used) {
    const b = encoder.encode(name);
    out.varint(b.length);
    out.bytes(b);
  }
  // Where each run starts / ends, by (agent, seq): back/forward references to runs.
  const byFirst = new Map<number, Map<number, number>>();
  const byLast = new Map<number, Map<number, number>>();
  const slot = (m: Map<number, Map<number, number>>, a: number): Map<number, number> => {
    let x = m.get(a);
    if (x === undefined) m.set(a, (x = new Map()));
    return x;
  };
  runs.forEach((r, k) => {
    slot(byFirst, r.agent).set(r.seq, k);
    slot(byLast, r.agent).set(r.seq + r.len - 1, k);
  });
  const lastEnd = new Float64Array(used.length);
  out.varint(runs.length);
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    const prev = k > 0 ? runs[k - 1]! : null;
    const next = k + 1 < runs.length ? runs[k + 1]! : null;
    const agent = local[r.agent]!;
    let olKind = OL_NONE;
    let back = -1;
    if (r.olA >= 0) {
      olKind = prev !== null && prev.agent === r.olA && prev.seq + prev.len - 1 === r.olS ? OL_PREV : OL_EXPLICIT;
      const f = olKind === OL_EXPLICIT ? byLast.get(r.olA)?.get(r.olS) : undefined;
      if (f !== undefined && f < k - 1) {
        // Take the back reference when it is no bigger than the explicit form.
        const explicit =
          varintSize(zz(r.seq - lastEnd[agent]!)) +
          (r.olA === r.agent && r.olS < r.seq ? varintSize(r.seq - 1 - r.olS) : varintSize(local[r.olA]!) + varintSize(zz(r.olS - r.seq)));
        const viaBack = varintSize(k - 2 - f) + varintSize(zz(r.seq - r.olS - 1));
        if (viaBack <= explicit) {
          olKind = OL_BACK;
          back = f;
        }
      }
    }
    let orKind = OR_NONE;
    if (r.orA >= 0) {
      if (next !== null && next.agent === r.orA && next.seq === r.orS) orKind = OR_NEXT;
      else if (r.olA === r.orA && r.olS + 1 === r.orS) orKind = OR_AFTER_LEFT;
      else orKind = OR_EXPLICIT;
    }
    // Same-agent explicit origins name earlier characters of the run's own agent: their
    // agent is implied and their distance back is unsigned.
    const olSame = olKind === OL_EXPLICIT && r.olA === r.agent && r.olS < r.seq;
    const fwd = orKind === OR_EXPLICIT ? byFirst.get(r.orA)?.get(r.orS) : undefined;
    const orFwd = fwd !== undefined && fwd > k + 1;
    out.varint(agent * 128 + (orFwd ? 64 : 0) + (olSame ? 32 : 0) + orKind * 8 + olKind * 2 + (r.deleted ? 1 : 0));
    if (olKind === OL_BACK) {
      out.varint(k - 2 - back);
      out.zigzag(r.seq - r.olS - 1);
    } else out.zigzag(r.seq - lastEnd[agent]!);
    lastEnd[agent] = r.seq + r.len;
    out.varint(r.len);
    if (olKind === OL_EXPLICIT) {
      if (olSame) out.varint(r.seq - 1 - r.olS);
      else {
        out.varint(local[r.olA]!);
        out.zigzag(r.olS - r.seq);
      }
    }
    if (orKind === OR_EXPLICIT) {
      if (orFwd) out.varint(fwd - k - 2);
      else {
        out.varint(local[r.orA]!);
        out.zigzag(r.orS - r.seq);
      }
    }
  }
  if (utf16) {
    out.varint(content.length * 2);
    out.ensure(content.length * 2);
    for (let i = 0; i < content.length; i++) {
      const c = content.charCodeAt(i);
      out.buf[out.n++] = c & 0xff;
      out.buf[out.n++] = c >> 8;
    }
  } else {
    const bytes = encoder.encode(content);
    out.varint(bytes.length);
    out.bytes(bytes);
  }
  const rangeEnd = new Float64Array(used.length);
  out.varint(ranges.length);
  for (const g of ranges) {
    const a = local[g.agent]!;
    out.varint(a);
    out.zigzag(g.seq - rangeEnd[a]!);
    rangeEnd[a] = g.seq + g.len;
    out.varint(g.len);
  }
  return out.buf.slice(0, out.n);
}

function zz(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

function fail(message: string, cause?: unknown): never {
  throw new ShnError('DECODE_FAILED', `text crdt: ${message}`, cause === undefined ? {} : { cause });
}

/** Bounds-checked reader. Internal. */
class In {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  get left(): number {
    return this.buf.length - this.pos;
  }
  u8(): number {
    if (this.pos >= this.buf.length) fail('unexpected end of input');
    return this.buf[this.pos++]!;
  }
  varint(): number {
    const buf = this.buf;
    let b = this.pos < buf.length ? buf[this.pos]! : -1;
    if (b >= 0 && b < 0x80) {
      this.pos++;
      return b;
    }
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      b = this.u8();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (i > 0 && b === 0) fail('non-canonical varint');
        if (!Number.isSafeInteger(result)) fail('varint out of range');
        return result;
      }
      scale *= 0x80;
    }
    return fail('varint too long');
  }
  zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }
  count(minBytes: number): number {
    const n = this.varint();
    if (n * minBytes > this.left) fail(`count ${n} does not fit in the ${this.left} bytes left`);
    return n;
  }
  bytes(n: number): Uint8Array {
    if (n > this.left) fail('unexpected end of input');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

function seqOk(seq: number): number {
  if (!Number.isSafeInteger(seq) || seq < 0) fail(`sequence number ${seq} out of range`);
  return seq;
}

/**
 * Decodes and structurally validates an update written by {@link encodeUpdate}. Never
 * mutates anything; every problem throws ShnError `DECODE_FAILED` (never another error).
 * Full states are additionally checked: every agent's ids are exactly `0..n-1` once each,
 * every origin names an existing character, and there is no separate delete set.
 */
export function decodeUpdate(bytes: Uint8Array): DecodedUpdate {
  if (!(bytes instanceof Uint8Array)) fail('expected a Uint8Array');
  const rd = new In(bytes);
  if (rd.u8() !== MAGIC0 || rd.u8() !== MAGIC1) fail('bad magic (not a text CRDT encoding)');
  const version = rd.u8();
  if (version !== TEXT_FORMAT_VERSION) fail(`unsupported format version ${version}`);
  const flags = rd.u8();
  if ((flags & ~(FLAG_FULL_STATE | FLAG_UTF16)) !== 0) fail(`unknown flags ${flags}`);
  const full = (flags & FLAG_FULL_STATE) !== 0;
  const nAgents = rd.count(2);
  const agents: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < nAgents; i++) {
    const len = rd.count(1);
    if (len === 0) fail('empty replica id');
    let name: string;
    try {
      name = decoder.decode(rd.bytes(len));
    } catch (cause) {
      fail('replica id is not valid UTF-8', cause);
    }
    if (seen.has(name)) fail(`duplicate replica id ${JSON.stringify(name)}`);
    seen.add(name);
    agents.push(name);
  }
  const nRuns = rd.count(3);
  const runs: TextRun[] = new Array<TextRun>(nRuns);
  const olKinds = new Uint8Array(nRuns);
  const orKinds = new Uint8Array(nRuns);
  const lastEnd = new Float64Array(nAgents);
  let visible = 0;
  for (let k = 0; k < nRuns; k++) {
    const h = rd.varint();
    const agent = Math.floor(h / 128);
    if (agent >= nAgents) fail(`agent index ${agent} outside the table`);
    const deleted = (h & 1) === 1;
    const olKind = (h >> 1) & 3;
    const orKind = (h >> 3) & 3;
    const olSame = (h & 32) !== 0;
    const orFwd = (h & 64) !== 0;
    if ((olSame && olKind !== OL_EXPLICIT) || (orFwd && orKind !== OR_EXPLICIT)) fail('bad origin flags');
    if (orKind === OR_AFTER_LEFT && olKind === OL_NONE) fail('right origin after a missing left origin');
    if (olKind === OL_PREV && k === 0) fail('first run cannot refer to a previous run');
    if (orKind === OR_NEXT && k === nRuns - 1) fail('last run cannot refer to a next run');
    let olA = -1;
    let olS = 0;
    let seq: number;
    if (olKind === OL_BACK) {
      const f = k - 2 - rd.varint();
      if (f < 0) fail('left origin refers before the first run');
      const p = runs[f]!;
      olA = p.agent;
      olS = p.seq + p.len - 1;
      seq = seqOk(olS + 1 + rd.zigzag());
    } else seq = seqOk(lastEnd[agent]! + rd.zigzag());
    const len = rd.varint();
    if (len < 1) fail('empty run');
    lastEnd[agent] = seqOk(seq + len);
    if (olKind === OL_EXPLICIT) {
      if (olSame) {
        olA = agent;
        olS = seqOk(seq - 1 - rd.varint());
      } else {
        olA = rd.varint();
        if (olA >= nAgents) fail('origin agent outside the table');
        olS = seqOk(seq + rd.zigzag());
      }
    }
    let orA = -1;
    let orS = 0;
    if (orKind === OR_EXPLICIT) {
      if (orFwd) {
        const j = k + 2 + rd.varint();
        if (j >= nRuns) fail('right origin refers past the last run');
        orA = -2 - j; // resolved once run j is decoded
      } else {
        orA = rd.varint();
        if (orA >= nAgents) fail('origin agent outside the table');
        orS = seqOk(seq + rd.zigzag());
      }
    }
    if (!deleted) visible += len;
    olKinds[k] = olKind;
    orKinds[k] = orKind;
    runs[k] = new TextRun(agent, seq, len, '', deleted, olA, olS, orA, orS);
  }
  // Resolve implicit origins.
  for (let k = 0; k < nRuns; k++) {
    const r = runs[k]!;
    if (olKinds[k] === OL_PREV) {
      const p = runs[k - 1]!;
      r.olA = p.agent;
      r.olS = p.seq + p.len - 1;
    }
    if (orKinds[k] === OR_NEXT) {
      const n = runs[k + 1]!;
      r.orA = n.agent;
      r.orS = n.seq;
    }
    if (r.orA <= -2) {
      const n = runs[-2 - r.orA]!;
      r.orA = n.agent;
      r.orS = n.seq;
    }
    if (orKinds[k] === OR_AFTER_LEFT) {
      r.orA = r.olA;
      r.orS = seqOk(r.olS + 1);
    }
    if ((r.olA === r.agent && r.olS >= r.seq && r.olS < r.seq + r.len) || (r.orA === r.agent && r.orS >= r.seq && r.orS < r.seq + r.len)) {
      fail('a run cannot have one of its own characters as origin');
    }
  }
  const byteLen = rd.count(1);
  const raw = rd.bytes(byteLen);
  let content: string;
  if ((flags & FLAG_UTF16) !== 0) {
    if (byteLen % 2 !== 0) fail('odd UTF-16 content length');
    const units = new Uint16Array(byteLen / 2);
    for (let i = 0; i < units.length; i++) units[i] = raw[2 * i]! | (raw[2 * i + 1]! << 8);
    const chunks: string[] = [];
    for (let i = 0; i < units.length; i += 8192) chunks.push(String.fromCharCode(...units.subarray(i, i + 8192)));
    content = chunks.join('');
  } else {
    try {
      content = decoder.decode(raw);
    } catch (cause) {
      fail('content is not valid UTF-8', cause);
    }
  }
  if (content.length !== visible) fail(`content has ${content.length} code units, runs need ${visible}`);
  let at = 0;
  for (const r of runs) {
    if (r.deleted) continue;
    r.content = content.slice(at, at + r.len);
    at += r.len;
  }
  const nRanges = rd.count(3);
  const ranges: EncodedRange[] = [];
  const rangeEnd = new Float64Array(nAgents);
  for (let i = 0; i < nRanges; i++) {
    const agent = rd.varint();
    if (agent >= nAgents) fail('range agent outside the table');
    const seq = seqOk(rangeEnd[agent]! + rd.zigzag());
    const len = rd.varint();
    if (len < 1) fail('empty delete range');
    rangeEnd[agent] = seqOk(seq + len);
    ranges.push({ agent, seq, len });
  }
  if (rd.left !== 0) fail(`${rd.left} trailing bytes`);
  if (full) validateFullState(nAgents, runs, ranges);
  return { agents, runs, ranges, full };
}

/** Checks a full state: each agent's ids are 0..n-1 exactly once and origins exist. */
function validateFullState(nAgents: number, runs: readonly TextRun[], ranges: readonly EncodedRange[]): void {
  if (ranges.length !== 0) fail('a full state carries no separate delete set');
  const per: TextRun[][] = Array.from({ length: nAgents }, () => []);
  for (const r of runs) per[r.agent]!.push(r);
  const ends = new Float64Array(nAgents);
  per.forEach((list, a) => {
    list.sort((x, y) => x.seq - y.seq);
    let next = 0;
    for (const r of list) {
      if (r.seq !== next) fail(`ids of agent ${a} are not contiguous from 0`);
      next = r.seq + r.len;
    }
    ends[a] = next;
  });
  for (const r of runs) {
    if (r.olA >= 0 && r.olS >= ends[r.olA]!) fail('left origin names a character that is not in the state');
    if (r.orA >= 0 && r.orS >= ends[r.orA]!) fail('right origin names a character that is not in the state');
  }
}
