import { hasCode } from '@shn/core';
import { describe, expect, it } from 'vitest';
import { parseCli, startServer } from './main.js';

describe('parseCli', () => {
  it('has the documented defaults and reads the environment', () => {
    const d = parseCli([], {});
    expect(d).toMatchObject({ port: 6380, host: '127.0.0.1', adminPort: 9464 });
    expect(d.shards).toBeGreaterThanOrEqual(1);
    expect(parseCli([], { SHN_KV_PORT: '7000', SHN_KV_ADMIN_PORT: '0' })).toMatchObject({ port: 7000, adminPort: 0 });
    expect(parseCli(['--port', '1', '--admin-port', '2', '--shards', '3', '--host', '0.0.0.0'], { SHN_KV_PORT: '7000' })).toEqual({ port: 1, adminPort: 2, shards: 3, host: '0.0.0.0' });
  });

  it('rejects bad values and unknown flags with INVALID_ARGUMENT', () => {
    for (const argv of [['--port', '70000'], ['--port', 'x'], ['--shards', '0'], ['--nope']]) {
      let caught: unknown;
      try {
        parseCli(argv, {});
      } catch (err) {
        caught = err;
      }
      expect(hasCode(caught, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('refuses to bind ports owned by real services', async () => {
    await expect(startServer({ port: 6379, adminPort: 0, shards: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
