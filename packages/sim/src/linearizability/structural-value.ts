/**
 * Structural equality and a stable text encoding for the plain data that model states,
 * inputs and outputs are made of: primitives, arrays, plain objects, Maps and Sets.
 * Other objects compare by identity and encode by their constructor name plus an id.
 * @internal
 */

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** True if `a` and `b` are the same plain data (Object.is on leaves; key order of objects ignored; Map/Set order ignored). */
export function structuralEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth > 200) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!structuralEqual(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !structuralEqual(v, b.get(k), depth + 1)) return false;
    }
    return true;
  }
  if (a instanceof Set) {
    if (!(b instanceof Set) || a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (!isPlainObject(a) || !isPlainObject(b) || Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>;
  const ra = a as Record<string, unknown>;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(rb, k) || !structuralEqual(ra[k], rb[k], depth + 1)) return false;
  }
  return true;
}

const identities = new WeakMap<object, number>();
let nextIdentity = 1;

function identityOf(v: object): number {
  let id = identities.get(v);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(v, id);
  }
  return id;
}

/**
 * A string that is equal for structurally equal values (see {@link structuralEqual}): type
 * tags keep `1` and `'1'` apart, object keys and Map/Set entries are sorted. Never throws
 * (cycles and exotic objects fall back to identity).
 */
export function stableEncode(v: unknown, depth = 0): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'bigint':
      return `${String(v)}n`;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return `sym(${String(v.description)})#${String(identityOf(Object(v) as object))}`;
    case 'function':
      return `fn#${String(identityOf(v))}`;
  }
  if (v === null) return 'null';
  const o = v as object;
  if (depth > 200) return `deep#${String(identityOf(o))}`;
  if (Array.isArray(o)) return `[${o.map((x) => stableEncode(x, depth + 1)).join(',')}]`;
  if (o instanceof Map) {
    const parts = [...o].map(([k, x]) => `${stableEncode(k, depth + 1)}=>${stableEncode(x, depth + 1)}`);
    return `Map{${parts.sort().join(',')}}`;
  }
  if (o instanceof Set) {
    return `Set{${[...o].map((x) => stableEncode(x, depth + 1)).sort().join(',')}}`;
  }
  if (!isPlainObject(o)) return `${o.constructor?.name ?? 'object'}#${String(identityOf(o))}`;
  const rec = o as Record<string, unknown>;
  const keys = Object.keys(rec).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableEncode(rec[k], depth + 1)}`).join(',')}}`;
}

/** A short, readable rendering of a value for timelines (strings quoted, `undefined` kept). */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  const s = stableEncode(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
