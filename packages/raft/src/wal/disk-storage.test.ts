import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { crc32c, hasCode, isShnError } from '@shn/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { EMPTY_CONF } from '../types.js';
import type { Entry } from '../types.js';
import { DiskRaftStorage } from './disk-storage.js';
import { decodeRecords, encodeRecords } from './record-codec.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'shn-raft-wal-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const e = (index: number, term: number, text: string): Entry => ({ index, term, type: 'normal', data: new TextEncoder().encode(text) });
const conf = { ...EMPTY_CONF, voters: ['a', 'b', 'c'] };

function segment(dir: string): string {
  return join(dir, readdirSync(dir).filter((n) => n.startsWith('wal-')).sort().at(-1) as string);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isShnError(err) ? err.code : `untyped: ${String(err)}`;
  }
  return undefined;
}

describe('DiskRaftStorage', () => {
  it('persists entries, hard state and snapshots across reopen, and compacts', () => {
    const dir = tmp();
    const s = DiskRaftStorage.open({ dir, nodeId: 'a' });
    s.bootstrap(conf);
    s.save({ term: 2, vote: 'a', commit: 1 }, [e(2, 2, 'x'), e(3, 2, 'y')], undefined);
    s.save({ term: 3, vote: 'b', commit: 3 }, [e(3, 3, 'y2'), e(4, 3, 'z')], undefined); // conflicting suffix replaced
    s.close();
    const r = DiskRaftStorage.open({ dir, nodeId: 'a' });
    expect(r.hardState).toEqual({ term: 3, vote: 'b', commit: 3 });
    expect(r.lastIndex()).toBe(4);
    expect(new TextDecoder().decode(r.entries(3, 4, Infinity)?.[0]?.data)).toBe('y2');
    r.snapshotAndCompact(3, conf, new TextEncoder().encode('state@3'));
    r.save(undefined, [e(5, 3, 'w')], undefined);
    r.close();
    const t = DiskRaftStorage.open({ dir, nodeId: 'a' });
    expect(t.firstIndex()).toBe(4);
    expect(t.lastIndex()).toBe(5);
    expect(new TextDecoder().decode(t.snapshot().data)).toBe('state@3');
    expect(t.snapshot().meta.conf.voters).toEqual(['a', 'b', 'c']);
    expect(readdirSync(dir).filter((n) => n.startsWith('wal-'))).toHaveLength(1);
    t.close();
  });

  it('truncates a torn tail and keeps every complete record', () => {
    const dir = tmp();
    const s = DiskRaftStorage.open({ dir, nodeId: 'a' });
    s.bootstrap(conf);
    s.save({ term: 2, vote: 'a', commit: 1 }, [e(2, 2, 'x')], undefined);
    s.close();
    const file = segment(dir);
    const bytes = readFileSync(file);
    const torn = encodeRecords([{ kind: 'entries', entries: [e(3, 2, 'lost')] }]);
    writeFileSync(file, Buffer.concat([bytes, Buffer.from(torn.subarray(0, torn.length - 3))]));
    const r = DiskRaftStorage.open({ dir, nodeId: 'a' });
    expect(r.lastIndex()).toBe(2);
    expect(r.recovery.truncatedBytes).toBe(torn.length - 3);
    r.close();
    expect(readFileSync(file).length).toBe(bytes.length);
  });

  it('refuses a flipped byte in the middle, a newer format and another node’s files', () => {
    const dir = tmp();
    const s = DiskRaftStorage.open({ dir, nodeId: 'a' });
    s.bootstrap(conf);
    for (let i = 2; i < 10; i++) s.save({ term: 2, vote: 'a', commit: i - 1 }, [e(i, 2, `entry-${i}`)], undefined);
    s.close();
    const file = segment(dir);
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    const at = Math.floor(good.length / 2);
    flipped[at] = (flipped[at] as number) ^ 0x10;
    writeFileSync(file, flipped);
    expect(codeOf(() => DiskRaftStorage.open({ dir, nodeId: 'a' }))).toBe('DATA_CORRUPT');
    writeFileSync(file, good);
    expect(codeOf(() => DiskRaftStorage.open({ dir, nodeId: 'b' }))).toBe('DATA_CORRUPT');
    const text = good.toString('latin1').replace('"version":1', '"version":9');
    const hdr = Buffer.from(text, 'latin1');
    // rewrite the header checksum so that only the version is wrong
    const len = hdr.readUInt32LE(0);
    hdr.writeUInt32LE(crc32c(new Uint8Array(hdr.subarray(4, 4 + len))), 4 + len);
    writeFileSync(file, hdr);
    expect(codeOf(() => DiskRaftStorage.open({ dir, nodeId: 'a' }))).toBe('UNSUPPORTED_VERSION');
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    expect(codeOf(() => DiskRaftStorage.open({ dir: '', nodeId: 'a' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => DiskRaftStorage.open({ dir: tmp(), nodeId: 'a', fsync: 'sometimes' as never }))).toBe('INVALID_ARGUMENT');
  });

  it('decoding random bytes never throws anything but a typed DATA_CORRUPT', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeRecords(bytes);
        } catch (err) {
          expect(hasCode(err, 'DATA_CORRUPT')).toBe(true);
        }
      }),
    );
  });

  it('every record survives an encode/decode round trip', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 1e6 }), fc.uint8Array({ maxLength: 40 })), { maxLength: 10 }), (list) => {
        const entries = list.map(([index, term, data]) => ({ index, term, type: 'normal' as const, data }));
        const out = decodeRecords(encodeRecords([{ kind: 'entries', entries }, { kind: 'hard-state', hardState: { term: 7, vote: 'ü', commit: 3 } }]));
        expect(out.tornTail).toBe(false);
        expect(out.records).toEqual([{ kind: 'entries', entries }, { kind: 'hard-state', hardState: { term: 7, vote: 'ü', commit: 3 } }]);
      }),
    );
  });

  it('kill -9 during writes loses no acknowledged (fsynced) entry', async () => {
    const worker = fileURLToPath(new URL('./wal-writer.test-helper.mjs', import.meta.url));
    for (let round = 0; round < 8; round++) {
      const dir = tmp();
      const child = spawn(process.execPath, [worker, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let acked = 0;
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.startsWith('ack ')) acked = Math.max(acked, Number(line.slice(4)));
      });
      await new Promise((r) => setTimeout(r, 60 + round * 25));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const s = DiskRaftStorage.open({ dir, nodeId: 'w' });
      expect(s.lastIndex()).toBeGreaterThanOrEqual(acked);
      for (let i = 2; i <= acked; i++) expect(new TextDecoder().decode(s.entries(i, i + 1, Infinity)?.[0]?.data)).toBe(`e${i}`);
      s.close();
    }
  }, 60_000);
});

