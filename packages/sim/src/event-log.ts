/**
 * The ordered record of everything a simulation did: deliveries, drops, duplicates, timer
 * firings, crashes, restarts, pauses, partitions and fault points. One line per entry, of the
 * form `<step> <time ms, 3 decimals> <kind> <detail>`. Two runs of the same scenario and seed
 * must produce byte-identical logs; {@link firstDivergence} finds where they do not.
 */
export class EventLog {
  readonly #lines: string[] = [];
  readonly #listeners: Array<(line: string, index: number) => void> = [];

  /** Every line so far, oldest first. */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /** Number of lines. */
  get length(): number {
    return this.#lines.length;
  }

  /** Appends a line built from the step number, the virtual time (ms), a kind and a detail. */
  append(step: number, timeMs: number, kind: string, detail: string): void {
    const line = `${step} ${timeMs.toFixed(3)} ${kind} ${detail}`;
    const index = this.#lines.length;
    this.#lines.push(line);
    for (const l of this.#listeners) l(line, index);
  }

  /** Calls `listener` for every line appended from now on; returns an unsubscribe function. */
  onLine(listener: (line: string, index: number) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  /** The whole log as text, one line per entry (each ending in `\n`). */
  toString(): string {
    return this.#lines.length === 0 ? '' : this.#lines.join('\n') + '\n';
  }
}

/** Where two event logs first differ. */
export interface LogDivergence {
  /** Zero-based index of the first differing line. */
  readonly index: number;
  /** That line in the first log, or `undefined` if the first log ended there. */
  readonly first: string | undefined;
  /** That line in the second log, or `undefined` if the second log ended there. */
  readonly second: string | undefined;
}

/**
 * Compares two logs line by line (each line byte for byte). Returns `undefined` when they are
 * identical, else the first differing line of each.
 */
export function firstDivergence(a: readonly string[], b: readonly string[]): LogDivergence | undefined {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return { index: i, first: a[i], second: b[i] };
  }
  return undefined;
}

/**
 * A short, deterministic text form of any value for log lines: JSON with `Uint8Array` as hex,
 * `undefined` as `undefined`, bigint as `123n`, cut to `max` characters (default 160).
 */
export function describeValue(value: unknown, max = 160): string {
  let text: string;
  try {
    text =
      value === undefined
        ? 'undefined'
        : (JSON.stringify(value, (_k, v: unknown) => {
            if (v instanceof Uint8Array) return `0x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
            if (typeof v === 'bigint') return `${v}n`;
            if (v === undefined) return null;
            return v;
          }) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > max ? `${text.slice(0, max)}…(${text.length})` : text;
}
