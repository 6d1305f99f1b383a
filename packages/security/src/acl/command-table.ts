import { ShnError } from '@shn/core';

/** Redis 7's ACL command categories (`ACL CAT`), without the leading `@`. */
export const ACL_CATEGORIES = Object.freeze([
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
] as const);

/** One ACL category name. */
export type AclCategory = (typeof ACL_CATEGORIES)[number];

/** What the ACL engine knows about one command (or one `container|subcommand`). */
export interface AclCommandSpec {
  /** Lower-case name; a subcommand is `container|sub`, e.g. `acl|whoami`. */
  readonly name: string;
  /** Its categories, without `@`. */
  readonly categories: readonly AclCategory[];
  /** Key positions as in COMMAND: the first key's argv index (0 = no keys), the last (negative counts from the end), the step. */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  /** Allowed before AUTH and never refused by an ACL (Redis's `no-auth` flag: AUTH, HELLO). */
  readonly noAuth?: boolean;
}

type Row = [name: string, categories: string, firstKey?: number, lastKey?: number, step?: number];

// Categories as Redis 7.0.15 reports them (ACL CAT <category>), for the commands shn-kv serves
// or is likely to serve; cincr/cget are shn-kv's own CRDT counters.
const ROWS: readonly Row[] = [
  ['get', 'read string fast', 1, 1, 1],
  ['set', 'write string slow', 1, 1, 1],
  ['setnx', 'write string fast', 1, 1, 1],
  ['getset', 'write string fast', 1, 1, 1],
  ['getdel', 'write string fast', 1, 1, 1],
  ['append', 'write string fast', 1, 1, 1],
  ['strlen', 'read string fast', 1, 1, 1],
  ['incr', 'write string fast', 1, 1, 1],
  ['decr', 'write string fast', 1, 1, 1],
  ['incrby', 'write string fast', 1, 1, 1],
  ['decrby', 'write string fast', 1, 1, 1],
  ['mget', 'read string fast', 1, -1, 1],
  ['mset', 'write string slow', 1, -1, 2],
  ['del', 'keyspace write slow', 1, -1, 1],
  ['unlink', 'keyspace write fast', 1, -1, 1],
  ['exists', 'keyspace read fast', 1, -1, 1],
  ['expire', 'keyspace write fast', 1, 1, 1],
  ['pexpire', 'keyspace write fast', 1, 1, 1],
  ['persist', 'keyspace write fast', 1, 1, 1],
  ['ttl', 'keyspace read fast', 1, 1, 1],
  ['pttl', 'keyspace read fast', 1, 1, 1],
  ['type', 'keyspace read fast', 1, 1, 1],
  ['rename', 'keyspace write slow', 1, 2, 1],
  ['keys', 'keyspace read slow dangerous'],
  ['scan', 'keyspace read slow'],
  ['randomkey', 'keyspace read slow'],
  ['dbsize', 'keyspace read fast'],
  ['flushall', 'keyspace write slow dangerous'],
  ['flushdb', 'keyspace write slow dangerous'],
  ['hget', 'read hash fast', 1, 1, 1],
  ['hmget', 'read hash fast', 1, 1, 1],
  ['hgetall', 'read hash slow', 1, 1, 1],
  ['hkeys', 'read hash slow', 1, 1, 1],
  ['hvals', 'read hash slow', 1, 1, 1],
  ['hlen', 'read hash fast', 1, 1, 1],
  ['hexists', 'read hash fast', 1, 1, 1],
  ['hset', 'write hash fast', 1, 1, 1],
  ['hsetnx', 'write hash fast', 1, 1, 1],
  ['hdel', 'write hash fast', 1, 1, 1],
  ['hincrby', 'write hash fast', 1, 1, 1],
  ['cincr', 'write string fast', 1, 1, 1],
  ['cget', 'read string fast', 1, 1, 1],
  ['ping', 'connection fast'],
  ['echo', 'connection fast'],
  ['select', 'connection fast'],
  ['quit', 'connection fast'],
  ['auth', 'connection fast'],
  ['hello', 'connection fast'],
  ['info', 'slow dangerous'],
  ['acl', 'slow'],
  ['acl|cat', 'slow'],
  ['acl|whoami', 'slow'],
  ['acl|genpass', 'slow'],
  ['acl|help', 'slow'],
  ['acl|deluser', 'admin slow dangerous'],
  ['acl|dryrun', 'admin slow dangerous'],
  ['acl|getuser', 'admin slow dangerous'],
  ['acl|list', 'admin slow dangerous'],
  ['acl|load', 'admin slow dangerous'],
  ['acl|log', 'admin slow dangerous'],
  ['acl|save', 'admin slow dangerous'],
  ['acl|setuser', 'admin slow dangerous'],
  ['acl|users', 'admin slow dangerous'],
  ['client', 'slow'],
  ['client|id', 'connection slow'],
  ['client|getname', 'connection slow'],
  ['client|setname', 'connection slow'],
  ['client|setinfo', 'connection slow'],
  ['client|info', 'connection slow'],
  ['client|help', 'connection slow'],
  ['client|no-touch', 'connection slow'],
  ['client|list', 'admin connection slow dangerous'],
  ['client|kill', 'admin connection slow dangerous'],
  ['client|no-evict', 'admin connection slow dangerous'],
  ['config', 'slow'],
  ['config|get', 'admin slow dangerous'],
  ['config|set', 'admin slow dangerous'],
  ['config|resetstat', 'admin slow dangerous'],
  ['config|rewrite', 'admin slow dangerous'],
  ['config|help', 'slow'],
  ['command', 'connection slow'],
  ['command|count', 'connection slow'],
  ['command|docs', 'connection slow'],
  ['command|info', 'connection slow'],
  ['command|list', 'connection slow'],
  ['command|help', 'connection slow'],
];

const NO_AUTH = new Set(['auth', 'hello']);

/** The commands the ACL engine knows by default (Redis 7.0 categories and key positions). */
export const DEFAULT_ACL_COMMANDS: readonly AclCommandSpec[] = Object.freeze(
  ROWS.map(([name, cats, firstKey = 0, lastKey = 0, step = 0]) =>
    Object.freeze({
      name,
      categories: Object.freeze(cats.split(' ') as AclCategory[]),
      firstKey,
      lastKey,
      step,
      ...(NO_AUTH.has(name) ? { noAuth: true } : {}),
    }),
  ),
);

/**
 * Checks a command spec.
 * @throws ShnError `INVALID_ARGUMENT` naming the bad field.
 */
export function checkCommandSpec(spec: AclCommandSpec): AclCommandSpec {
  if (typeof spec?.name !== 'string' || !/^[a-z0-9_.:-]{1,64}(\|[a-z0-9_.:-]{1,64})?$/.test(spec.name)) {
    throw new ShnError('INVALID_ARGUMENT', `ACL command name must be lower-case [a-z0-9_.:-]{1,64} (or container|sub), got ${JSON.stringify(spec?.name)}`);
  }
  if (!Array.isArray(spec.categories) || spec.categories.some((c) => !(ACL_CATEGORIES as readonly string[]).includes(c))) {
    throw new ShnError('INVALID_ARGUMENT', `ACL command ${spec.name}: categories must be among ${ACL_CATEGORIES.join(', ')}`);
  }
  for (const f of ['firstKey', 'lastKey', 'step'] as const) {
    if (!Number.isInteger(spec[f])) throw new ShnError('INVALID_ARGUMENT', `ACL command ${spec.name}: ${f} must be an integer`);
  }
  if (spec.firstKey < 0 || (spec.firstKey > 0 && spec.step < 1)) {
    throw new ShnError('INVALID_ARGUMENT', `ACL command ${spec.name}: firstKey must be >= 0 and step >= 1 when it has keys`);
  }
  return spec;
}
