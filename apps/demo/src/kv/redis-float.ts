/**
 * Floats as Redis reads and prints them (INCRBYFLOAT, HINCRBYFLOAT, ZADD scores).
 * Parsing follows `string2ld`: no leading space, the whole string consumed, decimal or
 * exponent notation, `inf`/`infinity` with a sign; NaN is refused. Printing follows
 * `LD_STR_HUMAN`: fixed notation (never an exponent), trailing zeros trimmed.
 */
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF_RE = /^[+-]?inf(?:inity)?$/i;

/** Parses a float the way Redis does; undefined for anything else (never throws). */
export function parseRedisFloat(bytes: Uint8Array): number | undefined {
  if (bytes.length === 0 || bytes.length > 5000) return undefined;
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  if (INF_RE.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (!FLOAT_RE.test(s)) return undefined;
  const n = Number(s);
  return Number.isNaN(n) ? undefined : n;
}

/** Prints a finite float as Redis's human-friendly form: `3`, `10.5`, `0.0001`, `1000000000000000000000`. */
export function formatRedisFloat(n: number): string {
  if (Object.is(n, -0)) return '0';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const s = String(n);
  if (!/e/i.test(s)) return s;
  // Expand exponent notation without rounding: digits with the point moved.
  const [mant, expRaw] = s.toLowerCase().split('e') as [string, string];
  const exp = Number(expRaw);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const intLen = mant.replace('-', '').indexOf('.') === -1 ? mant.replace('-', '').length : mant.replace('-', '').indexOf('.');
  const point = intLen + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.includes('.') ? out.replace(/0+$/, '').replace(/\.$/, '') : out;
  return (neg ? '-' : '') + out;
}
