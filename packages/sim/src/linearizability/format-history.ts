import { showValue } from './structural-value.js';
import type { Model, Operation } from './types.js';

/** Any model, whatever its state, input and output types (only `describe` is used). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API accepts every model; `any` keeps method parameters assignable
export type AnyModel = Model<any, any, any>;

const MAX_WIDTH = 60;

function describeOp(op: Operation, model: AnyModel | undefined): string {
  if (model?.describe !== undefined) {
    try {
      return model.describe(op.input, op.output);
    } catch {
      // fall through to the generic form: a timeline must never throw
    }
  }
  return `${showValue(op.input)} -> ${showValue(op.output)}`;
}

function showTime(t: number): string {
  if (t === Infinity) return 'pending';
  // Simulated times are sums of float delays (24.939999999999998): show at most 6 decimals
  // (times closer than a millionth of a unit print alike).
  return String(Number(t.toFixed(6)));
}

/**
 * Renders operations as an ASCII timeline, one row per operation sorted by call time:
 * the client, a bar from call `[` to return `]` (`|` when they coincide, `>` running off
 * the right edge for a pending operation), the operation as `model.describe` words it
 * (default: input and output) and the raw times. Columns are ranks of distinct times, so
 * overlaps are exact even when durations vary wildly. Never throws on well-formed operations.
 *
 * ```
 * c0 [---]          write(1)        0..10
 * c1    [------]    read() -> 1     5..20
 * ```
 */
export function formatHistory(ops: Operation[], model?: AnyModel): string {
  if (ops.length === 0) return '(empty history)';
  const sorted = [...ops].sort((a, b) => a.call - b.call || a.return - b.return);
  const times = [...new Set(sorted.flatMap((o) => [o.call, o.return]).filter((t) => t !== Infinity))].sort((a, b) => a - b);
  const rank = new Map<number, number>();
  times.forEach((t, i) => rank.set(t, i));
  const hasPending = sorted.some((o) => o.return === Infinity);
  const span = Math.max(1, times.length - 1);
  const width = Math.min(MAX_WIDTH, Math.max(2, times.length * 3));
  const column = (t: number): number => Math.round(((rank.get(t) ?? 0) * (width - 1)) / span);
  const barWidth = width + (hasPending ? 1 : 0);
  const clientWidth = Math.max(...sorted.map((o) => `c${o.clientId}`.length));
  const descriptions = sorted.map((o) => describeOp(o, model));
  const descWidth = Math.max(...descriptions.map((d) => d.length));
  return sorted
    .map((o, i) => {
      const bar = new Array<string>(barWidth).fill(' ');
      const from = column(o.call);
      if (o.return === Infinity) {
        for (let c = from; c < barWidth; c++) bar[c] = '-';
        bar[from] = '[';
        bar[barWidth - 1] = '>';
      } else {
        const to = column(o.return);
        for (let c = from; c <= to; c++) bar[c] = '-';
        if (from === to) bar[from] = '|';
        else {
          bar[from] = '[';
          bar[to] = ']';
        }
      }
      const client = `c${o.clientId}`.padEnd(clientWidth);
      const desc = (descriptions[i] as string).padEnd(descWidth);
      return `${client} ${bar.join('')}  ${desc}  ${showTime(o.call)}..${showTime(o.return)}`.trimEnd();
    })
    .join('\n');
}
