/**
 * The Node ceiling of the kv bench: a bare, single-event-loop RESP server in plain Node, with
 * no shards, no runtime and no safety limits. It answers what redis-benchmark sends (SET, GET,
 * INCR, MSET, PING, CONFIG GET, and +OK for anything else) from one Map. Started by the bench
 * as `node bare-resp-server.js PORT`; prints `listening PORT` once bound.
 */
import net from 'node:net';

const OK = Buffer.from('+OK\r\n');
const NIL = Buffer.from('$-1\r\n');
const PONG = Buffer.from('+PONG\r\n');
const EMPTY_ARRAY = Buffer.from('*0\r\n');
const CRLF = Buffer.from('\r\n');

/** Parses as many complete multibulk commands as `buf` holds from `pos`; returns [commands, new pos]. */
function parse(buf: Buffer, start: number, out: Buffer[][]): number {
  let pos = start;
  while (pos < buf.length) {
    if (buf[pos] !== 0x2a) {
      // Inline command: split on spaces up to CRLF.
      const end = buf.indexOf(CRLF, pos);
      if (end < 0) return pos;
      const line = buf.subarray(pos, end).toString('latin1').trim();
      if (line.length > 0) out.push(line.split(/\s+/).map((s) => Buffer.from(s, 'latin1')));
      pos = end + 2;
      continue;
    }
    const lineEnd = buf.indexOf(CRLF, pos);
    if (lineEnd < 0) return pos;
    const n = Number(buf.subarray(pos + 1, lineEnd).toString('latin1'));
    let p = lineEnd + 2;
    const args: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const e = buf.indexOf(CRLF, p);
      if (e < 0) return pos;
      const len = Number(buf.subarray(p + 1, e).toString('latin1'));
      if (e + 2 + len + 2 > buf.length) return pos;
      args.push(buf.subarray(e + 2, e + 2 + len));
      p = e + 2 + len + 2;
    }
    out.push(args);
    pos = p;
  }
  return pos;
}

function bulk(v: Buffer): Buffer[] {
  return [Buffer.from(`$${v.length}\r\n`, 'latin1'), v, CRLF];
}

function serve(store: Map<string, Buffer>, args: Buffer[], out: Buffer[]): void {
  const cmd = args[0]!.toString('latin1').toLowerCase();
  switch (cmd) {
    case 'set':
      store.set(args[1]!.toString('latin1'), Buffer.from(args[2]!));
      out.push(OK);
      return;
    case 'get': {
      const v = store.get(args[1]!.toString('latin1'));
      if (v === undefined) out.push(NIL);
      else out.push(...bulk(v));
      return;
    }
    case 'incr': {
      const k = args[1]!.toString('latin1');
      const n = Number(store.get(k)?.toString('latin1') ?? '0') + 1;
      store.set(k, Buffer.from(String(n), 'latin1'));
      out.push(Buffer.from(`:${n}\r\n`, 'latin1'));
      return;
    }
    case 'mset':
      for (let i = 1; i + 1 < args.length; i += 2) store.set(args[i]!.toString('latin1'), Buffer.from(args[i + 1]!));
      out.push(OK);
      return;
    case 'ping':
      out.push(PONG);
      return;
    case 'config':
      out.push(EMPTY_ARRAY);
      return;
    default:
      out.push(OK);
  }
}

const port = Number(process.argv[2] ?? '0');
const store = new Map<string, Buffer>();
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    const buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const commands: Buffer[][] = [];
    const used = parse(buf, 0, commands);
    pending = used >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(used));
    if (commands.length === 0) return;
    const out: Buffer[] = [];
    for (const c of commands) serve(store, c, out);
    socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  });
  socket.on('error', () => socket.destroy());
});
server.listen(port, '127.0.0.1', () => {
  const addr = server.address() as net.AddressInfo;
  process.stdout.write(`listening ${addr.port}\n`);
});
