import { errorReply, OK, isErrorReply, type Reply } from '../resp/reply.js';
import { parseStrictInt64 } from '../resp/strict-integer.js';
import type { CommandContext, CommandSpec } from './command-spec.js';
import { configParams, globMatch } from './config-params.js';
import { infoReport } from './info-report.js';
import { KV_ERRORS, unknownSubcommand, wrongArity } from './kv-errors.js';

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
  spec('flushall', -1, ['write'], async (a, cx) => {
    if (a.length > 2 || (a.length === 2 && !['ASYNC', 'SYNC'].includes(a[1]!.toString('latin1').toUpperCase()))) {
      return errorReply(KV_ERRORS.syntax);
    }
    const replies = await Promise.all(Array.from({ length: cx.backend.shardCount }, (_, s) => cx.backend.onShard(s, { op: 'flushall' })));
    return replies.find(isErrorReply) ?? OK;
  }),
  spec('info', -1, ['loading', 'stale'], (a, cx) => info(a, cx)),
  spec('client', -2, [], (a, cx) => client(a, cx)),
  spec('config', -2, [], (a, cx) => config(a, cx)),
  spec('command', -1, ['loading', 'stale'], (a, cx) => command(a, cx)),
];

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
      uptimeSeconds: (cx.clock.monotonic() - cx.startedAt) / 1000,
      gauges: cx.backend.gauges(),
      shardKeys: shardStats.map((r) => (Array.isArray(r) && typeof r[0] === 'number' && typeof r[1] === 'number' ? { keys: r[0], expires: r[1] } : undefined)),
    },
    sections,
  );
  return Buffer.from(text, 'utf8');
}

function sub(a: Buffer[]): string {
  return a[1]!.toString('latin1').toLowerCase();
}

function client(a: Buffer[], cx: CommandContext): Reply {
  const s = cx.session;
  const arity = (n: number): boolean => (n >= 0 ? a.length === n : a.length >= -n);
  const describe = (): string =>
    `id=${s.id} addr=${s.addr} name=${s.name?.toString('latin1') ?? ''} db=0 lib-name=${s.libName ?? ''} lib-ver=${s.libVersion ?? ''}`;
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
      const params = configParams(cx.stats().tcpPort);
      const out: Buffer[] = [];
      for (const [name, value] of params) {
        if (a.slice(2).some((p) => globMatch(p.toString('latin1'), name))) out.push(Buffer.from(name), Buffer.from(value));
      }
      return out;
    }
    case 'set':
      if (a.length < 4 || a.length % 2 === 1) return wrongArity('config|set');
      return errorReply(`ERR Unknown option or number of arguments for CONFIG SET - '${a[2]!.toString('latin1')}'`);
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
