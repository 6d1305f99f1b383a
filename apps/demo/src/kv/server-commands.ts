import { errorReply, OK, isErrorReply, type Reply } from '../resp/reply.js';
import { parseStrictInt64 } from '../resp/strict-integer.js';
import type { CommandContext, CommandSpec } from './command-spec.js';
import { configParams, globMatch } from './config-params.js';
import { infoReport } from './info-report.js';
import { breakerInfoFields } from '../breaker/kv-breakers.js';
import { KV_ERRORS, unknownSubcommand, wrongArity } from './kv-errors.js';
import { PERSIST_COMMAND } from '../persistence/shard-persistence.js';

/** Connection and server commands: PING ECHO SELECT QUIT CLIENT CONFIG COMMAND INFO DBSIZE FLUSHALL. */
export const SERVER_COMMANDS: readonly CommandSpec[] = [
  spec('ping', -1, ['fast'], (a) => (a.length === 1 ? 'PONG' : a.length === 2 ? a[1]! : wrongArity('ping'))),
  spec('echo', 2, ['fast'], (a) => a[1]!),
  spec('select', 2, ['loading', 'stale', 'fast'], (a) => {
    const n = parseStrictInt64(a[1]!);
    if (n === undefined || n > 2147483647n || n < -2147483648n) return errorReply(KV_ERRORS.notInteger);
    return n === 0n ? OK : errorReply(KV_ERRORS.dbIndexOutOfRange);
  }),
  spec('quit', -1, ['allow_busy', 'fast'], (_a, cx) => {
    cx.session.closeAfterReply = true;
    return OK;
  }),
  spec('dbsize', 1, ['readonly', 'fast'], async (_a, cx) => sumAll(cx, { op: 'dbsize' })),
  ...['flushall', 'flushdb'].map((name) => spec(name, -1, ['write'], async (a, cx) => {
    if (a.length > 2 || (a.length === 2 && !['ASYNC', 'SYNC'].includes(a[1]!.toString('latin1').toUpperCase()))) {
      return errorReply(KV_ERRORS.syntax);
    }
    const replies = await Promise.all(Array.from({ length: cx.backend.shardCount }, (_, s) => cx.backend.onShard(s, { op: 'flushall' })));
    return replies.find(isErrorReply) ?? OK;
  })),
  spec('time', 1, ['loading', 'stale', 'fast'], (_a, cx) => {
    const ms = cx.clock.now();
    return [Buffer.from(String(Math.floor(ms / 1000))), Buffer.from(String((ms % 1000) * 1000))];
  }),
  spec('hello', -1, ['loading', 'stale', 'fast'], (a, cx) => hello(a, cx)),
  spec('function', -2, [], (a) => {
    switch (sub(a)) {
      case 'flush':
        return a.length <= 3 ? OK : errorReply(KV_ERRORS.syntax);
      case 'list':
        return [];
      case 'stats':
        return [Buffer.from('running_script'), null, Buffer.from('engines'), []];
      default:
        return errorReply('ERR shn-kv has no functions or scripting; only FUNCTION FLUSH, LIST and STATS are answered');
    }
  }),
  spec('debug', -2, [], (a, cx) => debug(a, cx)),
  spec('swapdb', 3, ['write', 'fast'], (a) => {
    const x = parseStrictInt64(a[1]!);
    if (x === undefined || x > 2147483647n || x < -2147483648n) return errorReply('ERR invalid first DB index');
    const y = parseStrictInt64(a[2]!);
    if (y === undefined || y > 2147483647n || y < -2147483648n) return errorReply('ERR invalid second DB index');
    return x === 0n && y === 0n ? OK : errorReply(KV_ERRORS.dbIndexOutOfRange);
  }),
  spec('move', 3, ['write', 'fast'], (a) => {
    const db = parseStrictInt64(a[2]!);
    if (db === undefined || db > 2147483647n || db < -2147483648n) return errorReply(KV_ERRORS.notInteger);
    return db === 0n ? errorReply('ERR source and destination objects are the same') : errorReply(KV_ERRORS.dbIndexOutOfRange);
  }),
  spec('info', -1, ['loading', 'stale'], (a, cx) => info(a, cx)),
  spec('client', -2, [], (a, cx) => client(a, cx)),
  spec('config', -2, [], (a, cx) => config(a, cx)),
  spec('command', -1, ['loading', 'stale'], (a, cx) => command(a, cx)),
  spec('save', 1, ['admin', 'noscript', 'no_async_loading', 'no_multi'], async (_a, cx) => {
    const replies = await persistAll(cx, 'save');
    return replies.find(isErrorReply) ?? OK;
  }),
  spec('bgsave', -1, ['admin', 'noscript', 'no_async_loading'], async (a, cx) => {
    if (a.length > 2 || (a.length === 2 && a[1]!.toString('latin1').toUpperCase() !== 'SCHEDULE')) return errorReply(KV_ERRORS.syntax);
    const replies = await persistAll(cx, 'bgsave');
    return replies.find(isErrorReply) ?? 'Background saving started';
  }),
  spec('lastsave', 1, ['loading', 'stale', 'fast'], async (_a, cx) => {
    // Every shard saves on its own: the oldest shard's last save is when all were last saved.
    const replies = await persistAll(cx, 'lastsave');
    const bad = replies.find((r) => typeof r !== 'number');
    if (bad !== undefined) return isErrorReply(bad) ? bad : errorReply('ERR unexpected shard reply');
    return Math.min(...(replies as number[]));
  }),
];

/** Runs `__persist <sub>` on every shard. */
function persistAll(cx: CommandContext, sub: string): Promise<Reply[]> {
  const args = [Buffer.from(PERSIST_COMMAND), Buffer.from(sub)];
  return Promise.all(Array.from({ length: cx.backend.shardCount }, (_, s) => cx.backend.onShard(s, { op: 'cmd', args })));
}

/** The `# Persistence` INFO section: Redis's field names, combined over the shards (sums, any, worst). */
async function persistenceInfo(cx: CommandContext): Promise<string> {
  const replies = await persistAll(cx, 'info');
  const shards = replies.map((r) => {
    try {
      return r instanceof Uint8Array ? (JSON.parse(Buffer.from(r).toString('utf8')) as Record<string, string | number>) : undefined;
    } catch {
      return undefined;
    }
  });
  const ok = shards.filter((x): x is Record<string, string | number> => x !== undefined);
  const num = (k: string): number[] => ok.map((x) => Number(x[k] ?? 0));
  const enabled = ok.length > 0 && ok.every((x) => x['persistence_enabled'] === 1);
  const first = ok[0] ?? {};
  const fields: [string, string][] = [
    ['loading', '0'],
    ['persistence_enabled', enabled ? '1' : '0'],
    ['rdb_changes_since_last_save', String(num('rdb_changes_since_last_save').reduce((a, b) => a + b, 0))],
    ['rdb_bgsave_in_progress', num('rdb_bgsave_in_progress').some((n) => n > 0) ? '1' : '0'],
    ['rdb_last_save_time', String(ok.length === 0 ? 0 : Math.min(...num('rdb_last_save_time')))],
    ['rdb_last_bgsave_status', ok.some((x) => x['rdb_last_bgsave_status'] === 'err') ? 'err' : 'ok'],
    ['rdb_last_bgsave_time_sec', String(Math.round(Math.max(0, ...num('rdb_last_bgsave_time_ms')) / 1000))],
    ['rdb_saves', String(num('rdb_saves').reduce((a, b) => a + b, 0))],
    ['aof_enabled', enabled && first['aof_enabled'] === 1 ? '1' : '0'],
    ['aof_rewrite_in_progress', '0'],
    ['aof_last_write_status', ok.some((x) => x['aof_last_write_status'] === 'err') ? 'err' : 'ok'],
    ['aof_fsync', String(first['aof_fsync'] ?? 'off')],
    ['shards_unreachable', String(replies.length - ok.length)],
  ];
  return `# Persistence\r\n${fields.map(([k, v]) => `${k}:${v}\r\n`).join('')}`;
}

function spec(name: string, arity: number, flags: string[], run: CommandSpec['run']): CommandSpec {
  return { name, arity, flags, firstKey: 0, lastKey: 0, step: 0, run };
}

async function sumAll(cx: CommandContext, req: { op: 'dbsize' }): Promise<Reply> {
  const replies = await Promise.all(Array.from({ length: cx.backend.shardCount }, (_, s) => cx.backend.onShard(s, req)));
  let total = 0;
  for (const r of replies) {
    if (typeof r !== 'number') return isErrorReply(r) ? r : errorReply('ERR unexpected shard reply');
    total += r;
  }
  return total;
}

async function info(a: Buffer[], cx: CommandContext): Promise<Reply> {
  const sections = a.slice(1).map((s) => s.toString('latin1').toLowerCase());
  const shardStats = await Promise.all(Array.from({ length: cx.backend.shardCount }, (_, s) => cx.backend.onShard(s, { op: 'stats' })));
  const text = infoReport(
    {
      stats: cx.stats(),
      session: cx.session,
      uptimeSeconds: (cx.clock.monotonic() - cx.startedAt) / 1000,
      gauges: cx.backend.gauges(),
      breakers: breakerInfoFields(),
      shardKeys: shardStats.map((r) =>
        Array.isArray(r) && typeof r[0] === 'number' && typeof r[1] === 'number' ? { keys: r[0], expires: r[1], commands: typeof r[2] === 'number' ? r[2] : 0 } : undefined,
      ),
    },
    sections,
  );
  const all = sections.length === 0 || sections.some((s) => s === 'all' || s === 'default' || s === 'everything');
  if (!all && !sections.includes('persistence')) return Buffer.from(text, 'utf8');
  const persistence = await persistenceInfo(cx);
  return Buffer.from(text.length === 0 ? persistence : `${text}\r\n${persistence}`, 'utf8');
}

function sub(a: Buffer[]): string {
  return a[1]!.toString('latin1').toLowerCase();
}

function client(a: Buffer[], cx: CommandContext): Reply {
  const s = cx.session;
  const arity = (n: number): boolean => (n >= 0 ? a.length === n : a.length >= -n);
  const describe = (): string =>
    `id=${s.id} addr=${s.addr} name=${s.name?.toString('latin1') ?? ''} db=0 lib-name=${s.libName ?? ''} lib-ver=${s.libVersion ?? ''} shard=${s.shard ?? 'gateway'}`;
  switch (sub(a)) {
    case 'id':
      return arity(2) ? s.id : wrongArity('client|id');
    case 'getname':
      return arity(2) ? (s.name ?? null) : wrongArity('client|getname');
    case 'setname': {
      if (!arity(3)) return wrongArity('client|setname');
      const name = a[2]!;
      if (name.some((b) => b < 0x21 || b > 0x7e)) return errorReply(KV_ERRORS.badClientName);
      s.name = name.length === 0 ? undefined : Buffer.from(name);
      return OK;
    }
    case 'setinfo': {
      if (!arity(4)) return wrongArity('client|setinfo');
      const attr = a[2]!.toString('latin1').toLowerCase();
      if (attr === 'lib-name') s.libName = a[3]!.toString('latin1');
      else if (attr === 'lib-ver') s.libVersion = a[3]!.toString('latin1');
      else return errorReply(`ERR Unrecognized option '${a[2]!.toString('latin1')}'`);
      return OK;
    }
    case 'info':
      return arity(2) ? Buffer.from(`${describe()}\n`) : wrongArity('client|info');
    case 'list':
      return Buffer.from(`${describe()}\n`);
    case 'no-evict':
    case 'no-touch':
      return arity(3) ? OK : wrongArity(`client|${sub(a)}`);
    case 'help':
      return ['CLIENT <subcommand> [<arg> ...]. Subcommands are:', 'ID', 'GETNAME', 'SETNAME <name>', 'SETINFO <lib-name|lib-ver> <value>', 'INFO', 'LIST'];
    default:
      return unknownSubcommand(a[1]!, 'client');
  }
}

function config(a: Buffer[], cx: CommandContext): Reply {
  switch (sub(a)) {
    case 'get': {
      if (a.length < 3) return wrongArity('config|get');
      const params = new Map([...configParams(cx.stats().tcpPort), ...cx.config]);
      const out: Buffer[] = [];
      for (const [name, value] of params) {
        if (a.slice(2).some((p) => globMatch(p.toString('latin1'), name, true))) out.push(Buffer.from(name), Buffer.from(value));
      }
      return out;
    }
    case 'set': {
      if (a.length < 4 || a.length % 2 === 1) return wrongArity('config|set');
      const params = configParams(cx.stats().tcpPort);
      for (let i = 2; i < a.length; i += 2) {
        const name = a[i]!.toString('latin1').toLowerCase();
        if (!params.has(name)) return errorReply(`ERR Unknown option or number of arguments for CONFIG SET - '${a[i]!.toString('latin1')}'`);
      }
      for (let i = 2; i < a.length; i += 2) cx.config.set(a[i]!.toString('latin1').toLowerCase(), a[i + 1]!.toString('latin1'));
      return OK;
    }
    case 'resetstat':
      return a.length === 2 ? OK : wrongArity('config|resetstat');
    case 'rewrite':
      return errorReply('ERR The server is running without a config file');
    case 'help':
      return ['CONFIG <subcommand> [<arg> ...]. Subcommands are:', 'GET <pattern>', 'SET <directive> <value>', 'RESETSTAT', 'REWRITE'];
    default:
      return unknownSubcommand(a[1]!, 'config');
  }
}

function commandInfo(s: CommandSpec): Reply {
  return [Buffer.from(s.name), s.arity, s.flags.slice(), s.firstKey, s.lastKey, s.step, [], [], [], []];
}

function command(a: Buffer[], cx: CommandContext): Reply {
  if (a.length === 1) return [...cx.commands.values()].map(commandInfo);
  switch (sub(a)) {
    case 'count':
      return a.length === 2 ? cx.commands.size : wrongArity('command|count');
    case 'docs':
      // redis-cli asks for docs on connect; an empty reply means "no hints".
      return [];
    case 'info':
      return a.slice(2).map((n) => {
        const s = cx.commands.get(n.toString('latin1').toLowerCase());
        return s === undefined ? null : commandInfo(s);
      });
    case 'list':
      return [...cx.commands.keys()].map((n) => Buffer.from(n));
    case 'help':
      return ['COMMAND <subcommand> [<arg> ...]. Subcommands are:', '(no subcommand)', 'COUNT', 'DOCS [<command-name> ...]', 'INFO [<command-name> ...]', 'LIST'];
    default:
      return unknownSubcommand(a[1]!, 'command');
  }
}

/** HELLO: RESP2 only. `HELLO 3` gets NOPROTO, as from a Redis that lacks RESP3. */
function hello(a: Buffer[], cx: CommandContext): Reply {
  if (a.length >= 2) {
    const v = parseStrictInt64(a[1]!);
    if (v === undefined) return errorReply('ERR Protocol version is not an integer or out of range');
    if (v !== 2n) return errorReply('NOPROTO unsupported protocol version');
    for (let j = 2; j < a.length; j++) {
      const o = a[j]!.toString('latin1').toUpperCase();
      if (o === 'AUTH' && j + 2 < a.length) j += 2;
      else if (o === 'SETNAME' && j + 1 < a.length) {
        const name = a[++j]!;
        if (name.some((c) => c < 0x21 || c > 0x7e)) return errorReply(KV_ERRORS.badClientName);
        cx.session.name = name.length === 0 ? undefined : Buffer.from(name);
      } else return errorReply(`ERR Syntax error in HELLO option '${a[j]!.toString('latin1')}'`);
    }
  }
  return [
    Buffer.from('server'), Buffer.from('redis'),
    Buffer.from('version'), Buffer.from('7.0.0'),
    Buffer.from('proto'), 2,
    Buffer.from('id'), cx.session.id,
    Buffer.from('mode'), Buffer.from('standalone'),
    Buffer.from('role'), Buffer.from('master'),
    Buffer.from('modules'), [],
  ];
}

/** DEBUG: what test harnesses send (LOG, SLEEP, SET-ACTIVE-EXPIRE); nothing that inspects internals. */
async function debug(a: Buffer[], cx: CommandContext): Promise<Reply> {
  switch (sub(a)) {
    case 'log':
      return OK;
    case 'sleep': {
      const s = Number(a[2]?.toString('latin1') ?? '0');
      if (!Number.isFinite(s) || s < 0) return errorReply('ERR value is not a valid float');
      if (s > 0) await new Promise<void>((resolve) => cx.timer.setTimeout(resolve, Math.min(s, 60) * 1000));
      return OK;
    }
    case 'help':
      return ['DEBUG <subcommand>. Subcommands are:', 'LOG <message>', 'SLEEP <seconds>'];
    default:
      return errorReply(`ERR DEBUG ${a[1]!.toString('latin1').slice(0, 64)} is not supported by shn-kv (only LOG and SLEEP)`);
  }
}
