import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { reusePortSupport } from './connection-mode.js';

/** A Node binary with reusePort (>= 22.12 / 23.1): this one, $NODE24, or /tmp/n24's. */
export function findReusePortNode(): string | undefined {
  for (const c of [process.execPath, process.env['NODE24'], '/tmp/n24/node_modules/node/bin/node']) {
    if (c === undefined || c === '' || !existsSync(c)) continue;
    try {
      if (reusePortSupport(execFileSync(c, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()).ok) return c;
    } catch {
      // not runnable; try the next
    }
  }
  return undefined;
}

/**
 * {@link findReusePortNode}, or skips the test with how to get one (`ctx.skip`); under CI a
 * missing binary fails the test instead.
 */
export function reusePortNodeOrSkip(ctx: { skip(note?: string): void }): string | undefined {
  const node = findReusePortNode();
  if (node !== undefined) return node;
  const msg = 'no Node >= 22.12 binary found (this Node, $NODE24, /tmp/n24: mkdir -p /tmp/n24 && cd /tmp/n24 && npm i node@24)';
  if (process.env['CI']) throw new Error(`${msg}; required under CI`);
  ctx.skip(msg);
  return undefined;
}
