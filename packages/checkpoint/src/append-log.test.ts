import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasCode } from '@shn/core';
import { AppendLog, replayAppendLog } from './append-log.js';
import type { FsyncPolicy } from './append-log.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('AppendLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shn-aof-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function replay(from = 0): Promise<{ records: string[]; torn: number }> {
    const records: string[] = [];
    const r = await replayAppendLog(dir, 'aof', from, (b) => records.push(dec(b)));
    return { records, torn: r.tornBytes };
  }

  for (const policy of ['always', 'everysec', 'no'] as FsyncPolicy[]) {
    it(`replays every acknowledged record in order (fsync ${policy})`, async () => {
      const log = await AppendLog.open(dir, 'aof', { fsync: policy });
      await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(enc(`set k${i}`))));
      await log.append(new Uint8Array(0));
      await log.close();
      const { records, torn } = await replay();
      expect(records).toEqual([...Array.from({ length: 200 }, (_, i) => `set k${i}`), '']);
      expect(torn).toBe(0);
    });
  }

  it('cuts a torn tail at every possible cut point and appends cleanly after it (property)', async () => {
    const log = await AppendLog.open(dir, 'aof', { fsync: 'no' });
    for (let i = 0; i < 5; i++) await log.append(enc(`rec${i}-${'x'.repeat(i * 3)}`));
    await log.close();
    const [name] = await readdir(dir);
    const file = join(dir, name as string);
    const full = await readFile(file);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 12, max: full.length }), async (cut) => {
        await writeFile(file, full.subarray(0, cut));
        const { records, torn } = await replay();
        // A prefix of the records, never a partial one.
        expect(records).toEqual(['rec0-', 'rec1-xxx', 'rec2-xxxxxx', 'rec3-xxxxxxxxx', 'rec4-xxxxxxxxxxxx'].slice(0, records.length));
        expect((await stat(file)).size).toBe(cut - torn);
        const again = await AppendLog.open(dir, 'aof', { fsync: 'always' });
        await again.append(enc('after'));
        await again.close();
        expect((await replay()).records).toEqual([...records, 'after']);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses a damaged record that is not the tail with DATA_CORRUPT', async () => {
    const log = await AppendLog.open(dir, 'aof', { fsync: 'no' });
    for (let i = 0; i < 3; i++) await log.append(enc(`record-${i}`));
    await log.close();
    const [name] = await readdir(dir);
    const file = join(dir, name as string);
    const bytes = Buffer.from(await readFile(file));
    bytes[12 + 8 + 2] = (bytes[12 + 8 + 2] as number) ^ 0xff; // inside the first record
    await writeFile(file, bytes);
    const err = await replay().catch((e: unknown) => e);
    expect(hasCode(err, 'DATA_CORRUPT')).toBe(true);
    expect((err as Error).message).toMatch(/offset 12/);
  });

  it('rotates at a checkpoint: later appends go to the new segment, dropBefore removes the old', async () => {
    const log = await AppendLog.open(dir, 'aof', { fsync: 'always' });
    const a = log.append(enc('before'));
    log.rotate(7);
    const b = log.append(enc('after'));
    await Promise.all([a, b]);
    expect(log.generation).toBe(7);
    expect((await replay(0)).records).toEqual(['before', 'after']);
    expect((await replay(7)).records).toEqual(['after']);
    expect(await log.dropBefore(7)).toBe(1);
    expect((await replay(0)).records).toEqual(['after']);
    expect(() => log.rotate(3)).toThrow(/above 7/);
    await log.close();
    expect(hasCode(await log.append(enc('x')).catch((e: unknown) => e), 'RUNTIME_CLOSED')).toBe(true);
  });

  it('rejects bad input with INVALID_ARGUMENT', async () => {
    await expect(AppendLog.open(dir, '../x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const log = await AppendLog.open(dir, 'aof', { maxRecordBytes: 4 });
    await expect(log.append(enc('12345'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(log.append('x' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await log.close();
  });
});
