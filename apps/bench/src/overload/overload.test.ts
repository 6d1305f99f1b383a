import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isShnError } from '@shn/core';
import { collectMachineInfo } from '../harness/machine-info.js';
import { repoRoot } from '../harness/paths.js';
import { KEYS_WORKLOAD, preloadKeys, runLoadPhase, uniformWorkload } from './load-client.js';
import { runOverloadBench } from './overload-bench.js';
import { ReplyScanner } from './reply-scanner.js';
import type { ReplyKind } from './reply-scanner.js';
import { fillCommand } from './server-command.js';

const servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

describe('ReplyScanner', () => {
  it('classifies replies the same however the stream is split', () => {
    const replies: [string, ReplyKind][] = [
      ['+OK\r\n', 'ok'],
      ['-BUSY server overloaded: 10 requests in flight, limit 10\r\n', 'busy'],
      ['-ERR wrong number of arguments\r\n', 'error'],
      [':42\r\n', 'ok'],
      ['$5\r\nab\r\nc\r\n', 'ok'],
      ['$-1\r\n', 'ok'],
      ['*0\r\n', 'ok'],
      ['*-1\r\n', 'ok'],
      ['*2\r\n$1\r\na\r\n:3\r\n', 'ok'],
      ['*2\r\n*1\r\n+x\r\n$-1\r\n', 'ok'],
      ['*3\r\n*0\r\n-ERR inside\r\n*1\r\n*1\r\n$2\r\nab\r\n', 'ok'],
    ];
    fc.assert(
      fc.property(fc.array(fc.nat(replies.length - 1), { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }), (picks, cuts) => {
        const wire = Buffer.from(picks.map((i) => (replies[i] as [string, ReplyKind])[0]).join(''));
        const s = new ReplyScanner();
        const got: ReplyKind[] = [];
        let pos = 0;
        for (let k = 0; pos < wire.length; k++) {
          const n = cuts[k % cuts.length] as number;
          s.push(wire.subarray(pos, pos + n), (kind) => got.push(kind));
          pos += n;
        }
        expect(got).toEqual(picks.map((i) => (replies[i] as [string, ReplyKind])[1]));
      }),
    );
  });

  it('refuses an unexpected reply type with PROTOCOL_ERROR', () => {
    try {
      new ReplyScanner().push(Buffer.from('%1\r\n'), () => {});
      expect.unreachable();
    } catch (e) {
      expect(isShnError(e) && e.code).toBe('PROTOCOL_ERROR');
    }
  });
});

describe('runLoadPhase', () => {
  it('counts OK, BUSY and unanswered requests against a real socket server', async () => {
    // A RESP server that answers every third SET with -BUSY and never answers after 300 commands.
    let seen = 0;
    const server = net.createServer((sock) => {
      let buf = '';
      sock.setEncoding('latin1').on('data', (d: string) => {
        buf += d;
        let out = '';
        for (let at = buf.indexOf('SET\r\n'); at >= 0; at = buf.indexOf('SET\r\n')) {
          buf = buf.slice(at + 5);
          seen++;
          if (seen <= 300) out += seen % 3 === 0 ? '-BUSY busy\r\n' : '+OK\r\n';
        }
        if (out !== '') sock.write(out);
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const stats = await runLoadPhase({ port, connections: 2, ratePerSec: 2000, durationMs: 300, graceMs: 200 });
    expect(stats.sent).toBeGreaterThan(300);
    expect(stats.ok + stats.busy).toBe(300);
    expect(stats.busy).toBe(100);
    expect(stats.unanswered).toBe(stats.sent - 300);
    expect(stats.latencies.length).toBe(200);
  });

  it('fills server command templates', () => {
    expect(fillCommand(' node  main.js --port {port} ', 7001)).toEqual({ command: 'node', args: ['main.js', '--port', '7001'] });
  });
});

describe('workloads', () => {
  it('refuses commands of different lengths with INVALID_ARGUMENT', () => {
    try {
      uniformWorkload('odd', 'odd', 11, (i) => ['GET', `k${i}`]);
      expect.unreachable();
    } catch (e) {
      expect(isShnError(e) && e.code).toBe('INVALID_ARGUMENT');
    }
    expect(KEYS_WORKLOAD.bytes.length).toBe(KEYS_WORKLOAD.size * KEYS_WORKLOAD.count);
  });
});

const shnKv = path.join(repoRoot, 'apps', 'demo', 'dist', 'main.js');
describe('overload bench against the built shn-kv', () => {
  it.skipIf(!existsSync(shnKv) && process.env['CI'] === undefined)('keys workload: every ratio present, the 10x excess answered -BUSY, nothing lost (short phases: mechanics, not figures)', async () => {
    const result = await runOverloadBench({ quick: true, phaseMs: 600, env: { ...process.env, SHN_OVERLOAD_WORKLOADS: 'keys', SHN_OVERLOAD_KEYS: '3000' }, log: () => {} });
    const built = result.build(collectMachineInfo());
    expect(built.skipped).toEqual([]);
    const ratio = (id: string) => built.ratios.find((r) => r.id === id);
    for (const id of ['keys.offered', 'keys.p99', 'keys.rss', 'keys.lossless', 'keys.busy-share', 'keys.p99-off']) expect(ratio(id), id).toBeDefined();
    expect(ratio('keys.lossless')?.value).toBe(1);
    expect(ratio('keys.busy-share')?.value).toBeGreaterThan(0.5);
    expect(ratio('keys.p99')?.goal).toBe('<= 2');
  }, 120_000);

  it('refuses an unknown workload name with INVALID_ARGUMENT', async () => {
    await expect(runOverloadBench({ quick: true, env: { SHN_OVERLOAD_WORKLOADS: 'keys,nope' }, log: () => {} })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('preloadKeys fails with TRANSPORT_FAILED when nothing listens', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    await expect(preloadKeys(port, 10)).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
  });
});
