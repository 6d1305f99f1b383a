import { errorReply, type ErrorReply } from '../resp/reply.js';
import { INT64_MAX, parseStrictInt64 } from '../resp/strict-integer.js';
import { invalidExpire, KV_ERRORS } from './kv-errors.js';
import type { ShardRequest } from './shard-request.js';

type SetRequest = Extract<ShardRequest, { op: 'set' }>;

/**
 * Parses `SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]` exactly as Redis 7's
 * `parseExtendedStringArgumentsOrReply`: options in any order, case-insensitive, repeats of
 * the same option allowed (last wins), conflicting options → `ERR syntax error`, a
 * non-integer time → `ERR value is not an integer or out of range`, a time <= 0 or one that
 * overflows → `ERR invalid expire time in 'set' command`.
 *
 * @param args the full command, `args[0]` being `SET`; at least 3 elements.
 */
export function parseSetCommand(args: readonly Buffer[]): SetRequest | ErrorReply {
  let nx = false;
  let xx = false;
  let get = false;
  let keepTtl = false;
  let unit: 'EX' | 'PX' | 'EXAT' | 'PXAT' | undefined;
  let amount: Buffer | undefined;
  for (let j = 3; j < args.length; j++) {
    const opt = args[j]!.toString('latin1').toUpperCase();
    const hasNext = j + 1 < args.length;
    if (opt === 'NX' && !xx) nx = true;
    else if (opt === 'XX' && !nx) xx = true;
    else if (opt === 'GET') get = true;
    else if (opt === 'KEEPTTL' && unit === undefined) keepTtl = true;
    else if ((opt === 'EX' || opt === 'PX' || opt === 'EXAT' || opt === 'PXAT') && !keepTtl && (unit === undefined || unit === opt) && hasNext) {
      unit = opt;
      amount = args[++j]!;
    } else {
      return errorReply(KV_ERRORS.syntax);
    }
  }
  const base: SetRequest = {
    op: 'set',
    key: args[1]!,
    value: args[2]!,
    ...(nx ? { cond: 'nx' as const } : xx ? { cond: 'xx' as const } : {}),
    ...(get ? { get: true } : {}),
    ...(keepTtl ? { keepTtl: true } : {}),
  };
  if (unit === undefined || amount === undefined) return base;
  const n = parseStrictInt64(amount);
  if (n === undefined) return errorReply(KV_ERRORS.notInteger);
  const seconds = unit === 'EX' || unit === 'EXAT';
  if (n <= 0n || (seconds && n > INT64_MAX / 1000n)) return invalidExpire('set');
  const ms = seconds ? n * 1000n : n;
  return unit === 'EX' || unit === 'PX' ? { ...base, pxIn: ms } : { ...base, pxAt: ms };
}
