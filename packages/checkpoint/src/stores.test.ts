import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStore, hasCode } from '@shn/core';
import type { Store } from '@shn/core';
import { storeSuite } from '@shn/core/testing';
import { FileStore } from './file-store.js';
import { SqliteStore } from './sqlite-store.js';

const dirs = new WeakMap<Store, string>();

storeSuite('MemoryStore (core)', { create: () => new MemoryStore() });

storeSuite('FileStore', {
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'shn-fs-'));
    const s = new FileStore(dir);
    dirs.set(s, dir);
    return s;
  },
  async cleanup(s) {
    await rm(dirs.get(s) as string, { recursive: true, force: true });
  },
});

storeSuite('SqliteStore', {
  create: () => new SqliteStore(':memory:'),
  cleanup: (s) => (s as SqliteStore).close(),
});

describe('FileStore bad input', () => {
  async function withStore(run: (s: FileStore, dir: string, file: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'shn-fs-bad-'));
    try {
      const s = new FileStore(dir);
      await s.put('key', new TextEncoder().encode('hello checkpoint'));
      const [name] = (await readdir(dir)).filter((n) => !n.startsWith('.'));
      await run(s, dir, join(dir, name as string));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('rejects every truncation with DATA_CORRUPT (truncated)', async () => {
    await withStore(async (s, _dir, file) => {
      const full = await readFile(file);
      for (let n = 0; n < full.length; n++) {
        await writeFile(file, full.subarray(0, n));
        const err = await s.get('key').catch((e: unknown) => e);
        expect(hasCode(err, 'DATA_CORRUPT'), `cut at ${n}`).toBe(true);
      }
    });
  });

  it('rejects every flipped byte with DATA_CORRUPT or UNSUPPORTED_VERSION', async () => {
    await withStore(async (s, _dir, file) => {
      const full = await readFile(file);
      for (let i = 0; i < full.length; i++) {
        const bad = Buffer.from(full);
        bad[i] = (bad[i] as number) ^ 0x40;
        await writeFile(file, bad);
        const err = await s.get('key').catch((e: unknown) => e);
        expect(hasCode(err, 'DATA_CORRUPT') || hasCode(err, 'UNSUPPORTED_VERSION'), `byte ${i}: ${String(err)}`).toBe(true);
      }
    });
  });

  it('rejects a newer format version with UNSUPPORTED_VERSION', async () => {
    await withStore(async (s, _dir, file) => {
      const bad = Buffer.from(await readFile(file));
      bad[4] = 9;
      await writeFile(file, bad);
      const err = await s.get('key').catch((e: unknown) => e);
      expect(hasCode(err, 'UNSUPPORTED_VERSION')).toBe(true);
      expect((err as Error).message).toMatch(/version 9/);
    });
  });

  it('ignores and removes temp files left by a crashed writer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shn-fs-tmp-'));
    try {
      await writeFile(join(dir, '.tmp-1-1'), 'half a file');
      const s = new FileStore(dir);
      expect(await s.list()).toEqual([]);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
